/**
 * "Your password was changed" mails for the reference server: the library's
 * `notifyPasswordChanged` hook over the same SMTP transport as reset links. The mail says when
 * and how, and what to do if it was not you; it carries no link (a link in an unexpected mail is
 * what a phishing mail looks like, and one that acted would be a way in).
 */
import createDebug from 'debug';
import type { Transporter } from 'nodemailer';
import type { NotifyPasswordChanged, PasswordChangeNotice } from 'express-rbac-password';

const log = createDebug('express-rbac-password:server:mail');

const HOW: Record<PasswordChangeNotice['how'], string> = {
  change: 'it was changed by someone signed in to the account',
  reset: 'it was reset with a password-reset link',
  admin: 'it was set by an administrator',
};

/** The notice's text: the account, when (UTC) and how, and what to do if it was not you. */
export function changeNoticeText(login: string, notice: PasswordChangeNotice): string {
  return [
    `The password of the account "${login}" was changed on ${notice.at
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')}: ${HOW[notice.how]}.`,
    '',
    'If this was you, there is nothing to do.',
    '',
    'If it was not you, someone else may have access to the account: contact your administrator',
    'at once, and ask them to revoke the account and reset its password. Do not reply to this',
    'mail with your password; no one will ever ask you for it.',
  ].join('\n');
}

/** The hook, mailing `notice.email` (nothing when the account has none). */
export function changeNoticeMailer(transport: Transporter, from: string): NotifyPasswordChanged {
  return async (user, notice) => {
    if (notice.email === null) {
      log('password-change notice for user %s not mailed: the account has no email', user.id);
      return;
    }
    await transport.sendMail({ from, to: notice.email, subject: 'Your password was changed', text: changeNoticeText(user.login, notice) });
    // Never the address: the id is enough to follow it through the logs.
    log('password-change notice (%s) mailed to user %s', notice.how, user.id);
  };
}
