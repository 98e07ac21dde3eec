import type { SignatureExplanation } from '@/lib/engine/results/failure-signature';

/** Which evidence lines made a signature, each as it was and as it was hashed, with the normalisations applied. */
export function SignatureEvidence({ explanation }: { explanation: SignatureExplanation }) {
  if (explanation.lines.length === 0) {
    return (
      <p className="text-sm text-slate-500" data-testid="signature-no-evidence">
        No note, exception or error-looking output line: the signature is that of a bare “{explanation.status}”.
      </p>
    );
  }
  return (
    <table className="table text-xs" data-testid="signature-evidence">
      <thead>
        <tr>
          <th>From</th>
          <th>Line</th>
          <th>Normalised</th>
          <th>Replaced</th>
        </tr>
      </thead>
      <tbody>
        {explanation.lines.map((line, index) => (
          <tr key={index} data-testid="signature-line">
            <td className="text-slate-500">{line.source}</td>
            <td className="font-mono break-all">{line.text}</td>
            <td className="font-mono break-all">{line.normalised}</td>
            <td className="text-slate-500">{line.applied.map((item) => `${item.kind} ×${item.count}`).join(', ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
