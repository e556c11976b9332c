/**
 * The disclaimer bundled with the app: shown when /api/disclaimer cannot be reached.
 * The single source is host/disclaimer.py; a test compares this copy against it.
 */
export const DISCLAIMER_FALLBACK =
  "WARNING: This project is for education only. We build a simplified but functional HFT " +
  "system to learn the key concepts. A real, competitive HFT system needs $1M-5M of capital " +
  "and a team of specialised engineers. Do not use this system to trade on real markets. " +
  "Trading carries a high risk of losing capital."
