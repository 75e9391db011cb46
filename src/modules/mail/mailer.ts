import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../../core/logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Outgoing e-mail over SMTP (nodemailer). Without SMTP_URL, `isConfigured` is false and sending refuses. */
export class Mailer {
  private readonly transport: Transporter | undefined;

  constructor(
    private readonly config: { smtpUrl: string; from: string } | undefined,
    private readonly logger: Logger,
  ) {
    this.transport = config ? nodemailer.createTransport(config.smtpUrl) : undefined;
  }

  get isConfigured(): boolean {
    return this.transport !== undefined;
  }

  /** Sends one plain-text message; logs the outcome without the body. */
  async send(message: MailMessage): Promise<void> {
    if (!this.transport || !this.config) throw new Error('SMTP is not configured');
    const info = (await this.transport.sendMail({ from: this.config.from, ...message })) as { messageId?: string };
    this.logger.info({ messageId: info.messageId, subject: message.subject }, 'mail sent');
  }

  close(): void {
    this.transport?.close();
  }
}
