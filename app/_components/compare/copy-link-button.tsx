'use client';

import { useState } from 'react';
import { copyText } from '../run/copy-text';

/** Copies the page's own URL, to share it. */
export function CopyLinkButton() {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn-quiet"
      data-testid="copy-link"
      onClick={() =>
        void copyText(window.location.href).then((done) => {
          setCopied(done);
          setTimeout(() => setCopied(false), 2000);
        })
      }
    >
      {copied ? 'Link copied' : 'Copy link'}
    </button>
  );
}
