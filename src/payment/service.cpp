#include "payment/service.hpp"

#include <stdexcept>

#include "core/errors.hpp"
#include "core/logging.hpp"
#include "db/transaction.hpp"

namespace tiket::payment {

namespace {

constexpr std::int64_t kMinimumHoldSeconds = 60;  // less than a minute left: too late to pay
constexpr unsigned kReconcileBatch = 100;

std::string amount_mismatch_detail(const GatewayStatus& status, std::int64_t expected) {
  return "the gateway reported gross_amount " + status.gross_amount + "; the booking total is " +
         format_amount(expected);
}

}  // namespace

PaymentService::PaymentService(db::Pool& pool, booking::BookingService& bookings,
                               users::UserService& users, const Settings& settings)
    : pool_(pool), bookings_(bookings), users_(users), settings_(settings), gateway_(settings) {}

void PaymentService::require_configured() const {
  if (!configured()) {
    throw core::AppError::unavailable(
        "Payments are not configured on this server (MIDTRANS_SERVER_KEY is not set).", 3600);
  }
}

SnapOrder PaymentService::snap_order(const booking::PayableBooking& payable, const Payment& attempt,
                                     std::int64_t user_id) {
  SnapOrder order;
  order.order_id = attempt.order_id;
  order.gross_amount = attempt.gross_amount;
  for (const auto& item : payable.booking.items) {
    order.items.push_back({std::to_string(item.ticket_type_id), item.unit_price, item.quantity,
                           "Ticket type " + std::to_string(item.ticket_type_id)});
  }
  if (const auto user = users_.find_by_id(user_id)) {
    order.customer_name = user->name;
    order.customer_email = user->email;
  }
  order.start_time = payable.clock.now_utc;
  // Whole minutes from now that end no later than the hold: the gateway stops taking money
  // before the seats can go back.
  order.expiry_minutes = static_cast<long>(payable.clock.seconds_left / 60);
  return order;
}

StartResult PaymentService::start(const std::string& booking_code,
                                  const identity::Principal& caller) {
  require_configured();
  struct Opened {
    booking::PayableBooking payable;
    Payment attempt;
    bool reuse = false;
  };
  auto opened = db::transaction(pool_, [&](db::Connection& conn) {
    auto payable = bookings_.lock_for_payment(conn, booking_code, caller);
    const auto& booking = payable.booking;
    if (booking.status != booking::Status::pending_payment) {
      throw core::AppError(core::ProblemKind::booking_not_payable,
                           "This booking is " + std::string(booking::to_string(booking.status)) +
                               "; only a booking pending payment can be paid.");
    }
    auto open = repo_.open_attempt(conn, booking.id);
    if (open && open->token) {
      return Opened{std::move(payable), std::move(*open), true};
    }
    if (payable.clock.seconds_left < kMinimumHoldSeconds) {
      throw core::AppError(core::ProblemKind::booking_not_payable,
                           payable.clock.seconds_left <= 0
                               ? "This booking's hold has ended; book again."
                               : "This booking's hold ends in under a minute; book again.");
    }
    if (open) {  // an earlier create whose answer was lost: the same order_id again
      return Opened{std::move(payable), std::move(*open), false};
    }
    const auto attempt = repo_.last_attempt(conn, booking.id) + 1;
    const auto id = repo_.insert(conn, booking.id, attempt, make_order_id(booking.code, attempt),
                                 booking.total_amount);
    return Opened{std::move(payable), *repo_.find(conn, id), false};
  });
  if (opened.reuse) {
    counters_.reused.fetch_add(1, std::memory_order_relaxed);
    return {std::move(opened.attempt), false};
  }

  SnapTransaction created;
  try {
    created = gateway_.create(snap_order(opened.payable, opened.attempt, caller.user_id));
  } catch (const GatewayError& e) {
    if (e.kind() == GatewayError::Kind::unavailable) {
      // The attempt stays `creating`: the next call, or the reconciliation, finds it.
      throw core::AppError::unavailable(
          "The payment gateway is not answering; nothing was charged. Try again shortly.",
          e.retry_after_seconds());
    }
    db::transaction(pool_, [&](db::Connection& conn) {
      static_cast<void>(bookings_.lock_by_id(conn, opened.attempt.booking_id));
      repo_.set_status(conn, opened.attempt.id, Status::failed, "rejected", "");
    });
    core::log::warn("payment gateway refused an order",
                    {{"order_id", opened.attempt.order_id}, {"error", e.what()}});
    throw core::AppError(core::ProblemKind::payment_gateway_error,
                         "The payment gateway refused this payment; start a new one.");
  }
  auto stored = db::transaction(pool_, [&](db::Connection& conn) {
    const bool first =
        repo_.set_created(conn, opened.attempt.id, created.token, created.redirect_url);
    return StartResult{*repo_.find(conn, opened.attempt.id), first};
  });
  (stored.created ? counters_.started : counters_.reused).fetch_add(1, std::memory_order_relaxed);
  return stored;
}

PaymentHistory PaymentService::history(const std::string& booking_code,
                                       const identity::Principal& caller) {
  const auto booking = bookings_.get(booking_code, caller);
  auto out = db::with_connection(pool_, [&](db::Connection& conn) {
    return PaymentHistory{repo_.of_booking(conn, booking.id),
                          repo_.events_of_booking(conn, booking.id)};
  });
  if (out.attempts.empty()) {
    throw core::AppError::not_found("No payment has been started for this booking.");
  }
  return out;
}

std::string PaymentService::notify(const nlohmann::json& body, std::string raw) {
  auto status = parse_gateway_status(body, std::move(raw));
  require_configured();
  if (!signature_valid(status, settings_.server_key)) {
    counters_.signature_failed.fetch_add(1, std::memory_order_relaxed);
    core::log::warn("payment notification with a bad signature",
                    {{"order_id", status.order_id.substr(0, 64)},
                     {"has_signature", !status.signature_key.empty()}});
    throw core::AppError::unauthorized("The notification's signature_key does not verify.");
  }
  std::string stored_raw = status.raw;
  if (settings_.verify_with_status) {
    std::optional<GatewayStatus> confirmed;
    try {
      confirmed = gateway_.status(status.order_id);
    } catch (const GatewayError& e) {
      throw core::AppError::unavailable(
          "The notification could not be confirmed with the gateway; send it again later.",
          e.retry_after_seconds() > 0 ? e.retry_after_seconds() : 60);
    }
    if (!confirmed) {
      throw core::AppError::not_found("The gateway does not know this order.");
    }
    stored_raw =
        nlohmann::json{{"notification", nlohmann::json::parse(status.raw, nullptr, false)},
                       {"status_api", nlohmann::json::parse(confirmed->raw, nullptr, false)}}
            .dump();
    status = std::move(*confirmed);
  }
  return apply(status, settings_.verify_with_status ? "status_api" : "notification", stored_raw)
      .outcome;
}

PaymentService::Applied PaymentService::apply(const GatewayStatus& status, std::string_view source,
                                              const std::string& raw) {
  const auto known = db::with_connection(pool_, [&](db::Connection& conn) {
    return repo_.find_by_order(conn, status.order_id, false);
  });
  if (!known) {
    throw core::AppError::not_found("No payment with this order_id.");
  }
  const auto verdict = classify(status.transaction_status, status.fraud_status);
  booking::SettleOutcome settle = booking::SettleOutcome::already_paid;
  booking::Booking booking;
  auto applied = db::transaction(pool_, [&](db::Connection& conn) {
    // Lock order (ADR 0013): the booking, then its payment, then (in settle) stock rows.
    booking = bookings_.lock_by_id(conn, known->booking_id);
    const auto payment = *repo_.find_by_order(conn, status.order_id, true);
    const auto& gs = status.transaction_status;
    Applied out{"ignored", false};
    switch (verdict) {
      case Verdict::settled: {
        if (payment.status == Status::settled) {
          out = {"duplicate", false};
          break;
        }
        const auto cents = parse_amount_cents(status.gross_amount);
        if (!cents || *cents != payment.gross_amount * 100) {
          repo_.set_gateway_status(conn, payment.id, gs);
          repo_.set_flag(conn, payment.id, Flag::amount_mismatch,
                         amount_mismatch_detail(status, payment.gross_amount));
          out = {"flagged", true};
          break;
        }
        settle = bookings_.settle(conn, booking);
        repo_.set_status(conn, payment.id, Status::settled, gs, status.transaction_id);
        if (settle == booking::SettleOutcome::seats_gone) {
          repo_.set_flag(conn, payment.id, Flag::refund_required,
                         "paid after the hold ended and the seats were sold again");
          out = {"flagged", true};
        } else if (settle == booking::SettleOutcome::already_paid) {
          repo_.set_flag(conn, payment.id, Flag::refund_required,
                         "the booking was already paid by another attempt");
          out = {"flagged", true};
        } else {
          out = {"applied", true};
        }
        break;
      }
      case Verdict::waiting:
        if (payment.status == Status::creating || payment.status == Status::pending) {
          const bool same = payment.gateway_status == gs && payment.status == Status::pending;
          repo_.set_status(conn, payment.id, Status::pending, gs, status.transaction_id);
          out = {same ? "duplicate" : "applied", !same};
        }  // after a settlement or a failure, a late pending is ignored
        break;
      case Verdict::failed:
        if (payment.status == Status::creating || payment.status == Status::pending) {
          // The booking keeps its hold: the customer may start a new attempt until it ends.
          repo_.set_status(conn, payment.id, Status::failed, gs, status.transaction_id);
          out = {"applied", true};
        } else if (payment.status == Status::settled) {
          if (payment.flag != Flag::reversed_after_settlement) {
            repo_.set_flag(conn, payment.id, Flag::reversed_after_settlement,
                           "the gateway reported " + gs + " after the settlement");
            out = {"flagged", true};
          } else {
            out = {"duplicate", false};
          }
        } else {
          out = {"duplicate", false};
        }
        break;
      case Verdict::refunded:
        if (payment.status == Status::settled && payment.gateway_status != gs) {
          repo_.set_gateway_status(conn, payment.id, gs);
          repo_.set_flag(conn, payment.id, Flag::refunded,
                         "the gateway reported " + gs + "; the tickets are still valid");
          out = {"flagged", true};
        }
        break;
      case Verdict::unknown:
        break;
    }
    repo_.insert_event(conn, payment.id, source, status, out.outcome, raw);
    return out;
  });
  if (applied.outcome == "applied" && verdict == Verdict::settled) {
    bookings_.settled(settle, booking);
    (settle == booking::SettleOutcome::paid_late ? counters_.settled_late : counters_.settled)
        .fetch_add(1, std::memory_order_relaxed);
  } else if (applied.outcome == "applied" && verdict == Verdict::failed) {
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
  } else if (applied.outcome == "duplicate") {
    counters_.duplicate.fetch_add(1, std::memory_order_relaxed);
  } else if (applied.outcome == "ignored") {
    counters_.ignored.fetch_add(1, std::memory_order_relaxed);
  } else if (applied.outcome == "flagged") {
    counters_.flagged.fetch_add(1, std::memory_order_relaxed);
    core::log::warn(
        "payment flagged for an admin",
        {{"order_id", status.order_id}, {"transaction_status", status.transaction_status}});
  }
  return applied;
}

ReconcileResult PaymentService::reconcile() {
  ReconcileResult result;
  if (!configured()) {
    return result;
  }
  const auto open = db::with_connection(pool_, [&](db::Connection& conn) {
    return repo_.open_older_than(conn, static_cast<long>(settings_.reconcile_min_age.count()),
                                 kReconcileBatch);
  });
  for (const auto& attempt : open) {
    ++result.checked;
    try {
      if (const auto status = gateway_.status(attempt.order_id)) {
        if (apply(*status, "status_api", status->raw).changed) {
          ++result.changed;
        }
        continue;
      }
      // The gateway has never seen a payment for it. Once the hold is over nobody can pay it
      // any more (its gateway expiry ended with the hold): close it.
      const bool closed = db::transaction(pool_, [&](db::Connection& conn) {
        static_cast<void>(bookings_.lock_by_id(conn, attempt.booking_id));
        const auto now = repo_.find_by_order(conn, attempt.order_id, true);
        if (!now || (now->status != Status::creating && now->status != Status::pending) ||
            !repo_.hold_over(conn, attempt.id)) {
          return false;
        }
        repo_.set_status(conn, attempt.id, Status::failed, "not_found", "");
        return true;
      });
      if (closed) {
        ++result.closed;
      }
    } catch (const GatewayError& e) {
      ++result.errors;
      if (gateway_.breaker().state() == CircuitBreaker::State::open) {
        break;  // the rest would fail fast too; the next run picks them up
      }
    }
  }
  if (result.checked > 0) {
    core::log::info("payments reconciled", {{"checked", result.checked},
                                            {"changed", result.changed},
                                            {"closed", result.closed},
                                            {"errors", result.errors}});
  }
  return result;
}

}  // namespace tiket::payment
