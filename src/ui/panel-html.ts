// The panel page's HTML shell, pure so its Content-Security-Policy is unit-tested.
import crypto from 'node:crypto';

export function nonce(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** The page: a strict CSP (scripts only by nonce, nothing remote, no inline handlers), one stylesheet, one script. */
export function panelHtml(cspSource: string, scriptUri: string, styleUri: string, scriptNonce: string, codiconUri?: string): string {
  const csp = [`default-src 'none'`, `style-src ${cspSource}`, `font-src ${cspSource}`, `img-src ${cspSource} data:`, `script-src 'nonce-${scriptNonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${codiconUri ? `<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${codiconUri}">
` : ''}<link rel="stylesheet" href="${styleUri}">
<title>OProver</title>
</head>
<body>
<main id="root" aria-label="OProver proof jobs"></main>
<script nonce="${scriptNonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
