import nodemailer from "nodemailer";
import type { Env } from "@/lib/config";

// Outgoing mail (invitations). One transport, chosen from the environment:
// SMTP_URL (smtp:// or smtps://, credentials in the URL) sends through that server;
// without it nothing is mailed and the caller shows the link to the person who
// asked for it instead (in sandbox mode it is also logged).

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface MailSettings {
  url: string;
  from: string;
}

export const DEFAULT_MAIL_FROM = "calsync <no-reply@localhost>";

/** The SMTP settings, or null when mail is not configured. */
export function mailSettings(env: Env = process.env): MailSettings | null {
  const url = env.SMTP_URL?.trim();
  if (!url) return null;
  return { url, from: env.MAIL_FROM?.trim() || DEFAULT_MAIL_FROM };
}

let cached: { url: string; transport: nodemailer.Transporter } | null = null;

function transportFor(settings: MailSettings): nodemailer.Transporter {
  if (cached?.url !== settings.url) cached = { url: settings.url, transport: nodemailer.createTransport(settings.url) };
  return cached.transport;
}

/** Sends `message`; false when mail is not configured. Throws when the server refuses or cannot be reached. */
export async function sendMail(message: MailMessage, env: Env = process.env): Promise<boolean> {
  const settings = mailSettings(env);
  if (!settings) return false;
  await transportFor(settings).sendMail({ from: settings.from, ...message });
  return true;
}
