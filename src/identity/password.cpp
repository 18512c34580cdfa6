#include "identity/password.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

namespace tiket::identity {

namespace {

// libsodium wants a non-null pointer even for an empty password.
const char* password_data(std::string_view password) {
  return password.empty() ? "" : password.data();
}

// crypto_pwhash_str_* read a NUL-terminated string of fewer than crypto_pwhash_STRBYTES bytes.
// Anything else cannot be one of our hashes, and an embedded NUL would let a truncated prefix be
// checked instead of the stored value.
std::optional<std::string> as_c_hash(std::string_view encoded_hash) {
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES ||
      encoded_hash.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(encoded_hash);
}

}  // namespace

// Holds one of the `max_concurrent` places for the duration of one argon2id call.
class PasswordHasher::Slot {
 public:
  explicit Slot(PasswordHasher& hasher) : hasher_(hasher) {
    std::unique_lock lock(hasher_.mutex_);
    hasher_.free_.wait(lock, [this] { return hasher_.running_ < hasher_.options_.max_concurrent; });
    ++hasher_.running_;
    hasher_.peak_ = std::max(hasher_.peak_, hasher_.running_);
  }
  ~Slot() {
    {
      const std::lock_guard lock(hasher_.mutex_);
      --hasher_.running_;
    }
    hasher_.free_.notify_one();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  Slot(Slot&&) = delete;
  Slot& operator=(Slot&&) = delete;

 private:
  PasswordHasher& hasher_;
};

PasswordHasher::PasswordHasher(PasswordHasherOptions options) : options_(options) {
  if (options_.max_concurrent == 0) {
    // Every call would wait forever.
    throw std::invalid_argument("PasswordHasher: max_concurrent must be at least 1");
  }
  // Idempotent and thread-safe; it makes a forgotten call in a caller harmless.
  if (sodium_init() < 0) {
    throw std::runtime_error("PasswordHasher: libsodium failed to initialise");
  }
  // The dummy hash is of a random password nobody knows, made once with the current cost so that
  // dummy_verify costs exactly one verification. This also rejects bad opslimit/memlimit values
  // at startup rather than at the first login.
  std::array<unsigned char, 32> secret{};
  randombytes_buf(secret.data(), secret.size());
  std::array<char, (32 * 2) + 1> secret_hex{};
  sodium_bin2hex(secret_hex.data(), secret_hex.size(), secret.data(), secret.size());
  std::array<char, crypto_pwhash_STRBYTES> out{};
  const int rc = crypto_pwhash_str(out.data(), secret_hex.data(), secret.size() * 2,
                                   options_.opslimit, options_.memlimit);
  sodium_memzero(secret.data(), secret.size());
  sodium_memzero(secret_hex.data(), secret_hex.size());
  if (rc != 0) {
    throw std::invalid_argument(
        "PasswordHasher: cannot hash with these opslimit/memlimit (out of range or out of memory)");
  }
  dummy_hash_ = out.data();
}

std::string PasswordHasher::hash(std::string_view password) {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  int rc = 0;
  {
    const Slot slot(*this);
    rc = crypto_pwhash_str(out.data(), password_data(password), password.size(), options_.opslimit,
                           options_.memlimit);
  }
  if (rc != 0) {
    // The only runtime failure is allocating memlimit bytes; the message carries no input.
    throw std::runtime_error("argon2id hashing failed (out of memory)");
  }
  return {out.data()};
}

bool PasswordHasher::verify(std::string_view encoded_hash, std::string_view password) {
  const auto c_hash = as_c_hash(encoded_hash);
  if (!c_hash) {
    return false;
  }
  // A stored hash may carry other (older, or larger) parameters than ours, so it is capped like
  // any other argon2id call.
  const Slot slot(*this);
  return crypto_pwhash_str_verify(c_hash->c_str(), password_data(password), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view encoded_hash) const {
  const auto c_hash = as_c_hash(encoded_hash);
  if (!c_hash) {
    return true;
  }
  // 1: other parameters or algorithm (argon2i); -1: not a hash libsodium can parse. Both mean
  // "store a fresh one".
  return crypto_pwhash_str_needs_rehash(c_hash->c_str(), options_.opslimit, options_.memlimit) != 0;
}

void PasswordHasher::dummy_verify(std::string_view password) {
  const Slot slot(*this);
  // The result is meaningless (nobody knows the dummy password); only the cost matters.
  [[maybe_unused]] const int result =
      crypto_pwhash_str_verify(dummy_hash_.c_str(), password_data(password), password.size());
}

unsigned PasswordHasher::peak_concurrency() const {
  const std::lock_guard lock(mutex_);
  return peak_;
}

}  // namespace tiket::identity
