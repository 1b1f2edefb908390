/**
 * A fingerprint shown in groups of four, monospace, so two people can read it
 * to each other over the phone and compare it character by character.
 */
function groupFingerprint(hex: string, group = 4): string[] {
  const clean = hex.replace(/[^0-9a-f]/gi, '').toUpperCase();
  const out: string[] = [];
  for (let i = 0; i < clean.length; i += group) out.push(clean.slice(i, i + group));
  return out;
}

export function Fingerprint({ value, label }: { value: string; label: string }) {
  const groups = groupFingerprint(value);
  return (
    <figure className="fingerprint" aria-label={`${label}: ${groups.join(' ')}`}>
      <figcaption>{label}</figcaption>
      <code>
        {groups.map((g, i) => (
          <span key={i} className="fp-group">
            {g}
          </span>
        ))}
      </code>
    </figure>
  );
}
