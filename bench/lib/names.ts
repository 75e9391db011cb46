// Letters the display-name rule never confuses: it reads i as l, "rn" as m and "vv" as w.
const ALPHABET = 'abcdefghjkmnopqstuwxyz';

/**
 * A distinct surname for the i-th benchmark person, in letters only: staff names follow the display-name rule,
 * which refuses another agent's name and reads digits as letters or decoration ("Desk 10" passes for "Desk 1"),
 * and refuses reserved words such as "Agent" or "Admin". 0 → "Aaa", 1 → "Aab", … (never a reserved word).
 */
export function benchSurname(i: number): string {
  let out = '';
  let n = i;
  do {
    out = ALPHABET[n % ALPHABET.length]! + out;
    n = Math.floor(n / ALPHABET.length);
  } while (n > 0);
  return `A${out.padStart(2, 'a')}`;
}
