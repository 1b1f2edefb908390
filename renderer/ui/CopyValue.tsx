/**
 * One value the holder copies into another field: its label, the value
 * (a secret masked until "Show"), and a Copy button that says when it worked.
 */
import { useId, useState } from 'react';

export function CopyValue({ label, value, secret = false, canShow = true, testId }: { label: string; value: string; secret?: boolean; canShow?: boolean; testId: string }) {
  const [shown, setShown] = useState(!secret);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const labelId = useId();
  // The buttons are named "Copy"/"Show" and described by the label, so the label itself names only the form field it is meant for.
  return (
    <div className="copy-row" data-testid={testId}>
      <dt id={labelId}>{label}</dt>
      <dd>
        <code className="copy-value" data-testid={`${testId}-value`}>
          {shown ? value : '•'.repeat(Math.min(value.length, 16))}
        </code>
        {secret && canShow && (
          <button type="button" className="secondary small" aria-pressed={shown} aria-describedby={labelId} onClick={() => setShown((s) => !s)}>
            {shown ? 'Hide' : 'Show'}
          </button>
        )}
        <button
          type="button"
          className="secondary small"
          aria-describedby={labelId}
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied('yes'),
              () => setCopied('failed'),
            )
          }
        >
          Copy
        </button>
        <span className="copy-state" role="status">
          {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Could not copy: select the value and copy it by hand' : ''}
        </span>
      </dd>
    </div>
  );
}
