/**
 * Self-service reset mails for the reference server: the library's `sendResetLink` hook, sent
 * with nodemailer through `RBAC_SMTP_URL`. The library itself never depends on a mailer; a host
 * passes whatever sends its mail.
 */
import createDebug from 'debug';
import nodemailer from 'nodemailer';
import type { NotifyPasswordChanged, SendResetLink } from 'express-rbac-password';
import { changeNoticeMailer } from './change-notice-mail.ts';

const log = createDebug('express-rbac-password:server:mail');

/** The hooks (reset links, and "your password was changed" notices), plus `close()` for shutdown. */
export interface ResetMailer {
  readonly sendResetLink: SendResetLink;
  readonly notifyPasswordChanged: NotifyPasswordChanged;
  close(): void;
}

/** A mailer over the SMTP server at `smtpUrl` (smtp:// or smtps://, credentials in the URL). */
export function createResetMailer(smtpUrl: string, from: string): ResetMailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    sendResetLink: async (user, link, context) => {
      const hours = Math.max(1, Math.round((context.expiresAt.getTime() - Date.now()) / 3_600_000));
      await transport.sendMail({
        from,
        to: context.email,
        subject: 'Reset your password',
        text: [
          `Someone, probably you, asked to reset the password of the account "${user.login}".`,
          '',
          'Open this link to choose a new password:',
          '',
          link,
          '',
          `The link works once, for about ${hours} hour${hours === 1 ? '' : 's'}. Asking for a new link makes this one stop working.`,
          'If you did not ask for it, ignore this mail: your password stays as it is.',
        ].join('\n'),
      });
      // Never the link or the address: the id is enough to follow a request through the logs.
      log('reset link mailed to user %s', user.id);
    },
    notifyPasswordChanged: changeNoticeMailer(transport, from),
    close: () => transport.close(),
  };
}
