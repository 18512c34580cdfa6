import { useEffect, useRef } from 'react';
import QRCode from 'qrcode';

/** The ticket code as a QR code, drawn in the browser on a canvas (nothing leaves the page). */
export function Qr({ value, label }: { value: string; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) {
      QRCode.toCanvas(ref.current, value, { width: 220, margin: 2, errorCorrectionLevel: 'M' }).catch(() => undefined);
    }
  }, [value]);
  return <canvas ref={ref} role="img" aria-label={label} data-testid="qr" data-value={value} />;
}
