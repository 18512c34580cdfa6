import { Navigate, useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n';
import { NotFound } from '../components/ui';

/** The gateway's order id is the booking code plus `-{attempt}`. */
export function bookingCodeFromOrderId(orderId: string | null): string | null {
  const m = orderId?.match(/^(TIX-\d{8}-\d{6,})-\d+$/);
  return m?.[1] ?? null;
}

/** Where the gateway sends the customer back (its "finish" redirect): on to the booking. */
export default function PaymentFinishPage() {
  const [params] = useSearchParams();
  const { t } = useI18n();
  const code = bookingCodeFromOrderId(params.get('order_id'));
  if (!code) return <NotFound />;
  return <Navigate to={`/bookings/${code}`} replace state={{ from: 'gateway', label: t('booking.back') }} />;
}
