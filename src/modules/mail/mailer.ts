import type { Transporter } from 'nodemailer';
import type { Logger } from '../../core/logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Outgoing e-mail over SMTP (nodemailer). Without SMTP_URL, `isConfigured` is false and sending refuses. */
export class Mailer {
  /** Created with the first message (nodemailer is loaded then, not at start). */
  private transport: Promise<Transporter> | undefined;

  constructor(
    private readonly config: { smtpUrl: string; from: string } | undefined,
    private readonly logger: Logger,
  ) {}

  get isConfigured(): boolean {
    return this.config !== undefined;
  }

  /** Sends one plain-text message; logs the outcome without the body. */
  async send(message: MailMessage): Promise<void> {
    const config = this.config;
    if (!config) throw new Error('SMTP is not configured');
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(config.smtpUrl),
    );
    const transport = await this.transport;
    const info = (await transport.sendMail({ from: config.from, ...message })) as { messageId?: string };
    this.logger.info({ messageId: info.messageId, subject: message.subject }, 'mail sent');
  }

  close(): void {
    void this.transport?.then((t) => t.close()).catch(() => undefined);
  }
}
