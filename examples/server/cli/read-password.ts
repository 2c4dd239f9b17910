/**
 * Reads a new password for the CLI: from a terminal with a hidden, repeated prompt, or from piped
 * stdin. Never from argv, where it would land in shell history and the process list.
 */

/** Thrown when no usable password was given. */
export class PasswordInputError extends Error {
  override readonly name = 'PasswordInputError';
}

const MAX_BYTES = 64 * 1024;

/** Reads the password from `stdin`: prompted twice on a TTY, else the whole input minus one trailing newline. */
export async function readNewPassword(stdin: NodeJS.ReadStream = process.stdin, prompt: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (stdin.isTTY) {
    const first = await promptHidden('New password: ', stdin, prompt);
    const second = await promptHidden('Repeat the new password: ', stdin, prompt);
    if (first !== second) throw new PasswordInputError('the two passwords differ; nothing was changed');
    if (first === '') throw new PasswordInputError('the password is empty; nothing was changed');
    return first;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BYTES) throw new PasswordInputError('the input on stdin is too long to be a password');
    chunks.push(buffer);
  }
  // `echo pw |` and here-strings add one newline; anything else is part of the password.
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text === '') throw new PasswordInputError('no password on stdin; pipe it in (e.g. printf %s "$PW" | ...) or run in a terminal to be prompted');
  return text;
}

function promptHidden(question: string, stdin: NodeJS.ReadStream, out: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    out.write(question);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      out.write('\n');
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const onData = (data: string) => {
      for (const char of data) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new PasswordInputError('cancelled; nothing was changed'));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
