import { useEffect, useState } from 'react';
import { Link, useLocation } from 'wouter';
import type { ConversationView, TopicView } from '../../../../src/shared/conversations.js';
import { api, ApiError } from '../../shared/api.js';
import { AttachmentDropZone, AttachmentPicker, PendingAttachments } from '../../shared/chat/AttachmentPicker.js';
import { useAttachmentUploads } from '../../shared/chat/use-attachment-uploads.js';
import { useAttachmentLimits } from '../../shared/use-attachment-limits.js';
import { Field, FormError } from '../../shared/ui/forms.js';
import { availabilityOf, StatusBanner, type Availability } from '../components/StatusBanner.js';
import { drafts } from '../../shared/chat/storage.js';
import { startFiles } from '../conversation/start-files.js';
import { useSession } from '../session.js';
import { useSupportStatus, type SupportStatus } from '../use-support-status.js';

type Mine = ConversationView & { lastMessage: { text: string | null } | null };

/** What the page promises in each state: live answers only when someone is there to give them. */
const COPY: Record<Availability | 'unknown', { lead: string; formTitle: string; submit: string }> = {
  online: {
    lead: 'Our team answers live, right here in your browser.',
    formTitle: 'Start a conversation',
    submit: 'Start conversation',
  },
  away: {
    lead: 'Ask your question here: our team answers on this page.',
    formTitle: 'Start a conversation',
    submit: 'Start conversation',
  },
  closed: {
    lead: 'Leave your question here: we answer it when we are back.',
    formTitle: 'Leave your question',
    submit: 'Send your question',
  },
  'closed-override': {
    lead: 'Leave your question here: we answer it when we are back.',
    formTitle: 'Leave your question',
    submit: 'Send your question',
  },
  unknown: {
    lead: 'Ask your question here: our team answers in your browser.',
    formTitle: 'Start a conversation',
    submit: 'Start conversation',
  },
};

/** The landing page: the support status, then either "continue your conversation" or the start form. */
export function LandingPage(props: {
  serviceName: string;
  emailRequiredWhileClosed: boolean;
  mailConfigured: boolean;
}) {
  const { status, failed } = useSupportStatus();
  const copy = COPY[status ? availabilityOf(status) : 'unknown'];
  const { me, loading } = useSession();
  const [open, setOpen] = useState<Mine | null | undefined>(undefined);
  useEffect(() => {
    if (loading) return;
    if (!me) {
      setOpen(null);
      return;
    }
    api<{ conversations: Mine[] }>('GET', '/api/conversations').then(
      (r) => setOpen(r.conversations.find((c) => c.status === 'waiting' || c.status === 'active') ?? null),
      () => setOpen(null),
    );
  }, [me, loading]);

  return (
    <section className="sc-hero mx-auto py-4" aria-labelledby="landing-title">
      <div className="text-center">
        <h1 id="landing-title" className="display-6 fw-semibold mb-3">
          How can we help?
        </h1>
        <p className="lead text-body-secondary">
          Welcome to {props.serviceName}. {copy.lead}
        </p>
      </div>
      <StatusBanner status={status} failed={failed} />
      {open === undefined ? null : open ? (
        <div className="card border-0 shadow-sm mt-4">
          <div className="card-body d-flex flex-wrap align-items-center gap-3">
            <div className="me-auto">
              <h2 className="h5 mb-1">Continue your conversation</h2>
              <p className="mb-0 text-body-secondary small">
                {open.lastMessage?.text?.slice(0, 120) ?? 'Your conversation is open.'}
              </p>
            </div>
            <Link href={`/c/${open.id}`} className="btn btn-primary">
              Continue
            </Link>
          </div>
        </div>
      ) : (
        <StartForm
          signedInName={me?.kind === 'customer' ? me.displayName : undefined}
          emailRequired={props.emailRequiredWhileClosed && status !== null && !status.available}
          mailConfigured={props.mailConfigured}
          status={status}
          title={copy.formTitle}
          submitLabel={copy.submit}
        />
      )}
    </section>
  );
}

function StartForm(props: {
  signedInName?: string;
  emailRequired: boolean;
  mailConfigured: boolean;
  status: SupportStatus | null;
  title: string;
  submitLabel: string;
}) {
  const [, navigate] = useLocation();
  const { refresh } = useSession();
  const [topics, setTopics] = useState<TopicView[]>([]);
  const [topicId, setTopicId] = useState<string | undefined>();
  const [name, setName] = useState(() => drafts.load('start-name'));
  const [text, setText] = useState(() => drafts.load('start'));
  const [email, setEmail] = useState(() => drafts.load('start-email'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
  // Files wait here (checked against the rules) until the conversation exists; its page uploads and sends them.
  const files = useAttachmentUploads({ uploadUrl: null, limits: useAttachmentLimits() });
  useEffect(() => {
    api<{ topics: TopicView[] }>('GET', '/api/topics').then(
      (r) => setTopics(r.topics),
      () => undefined,
    );
  }, []);

  const submit = async () => {
    setError(undefined);
    setFields({});
    if (files.items.some((i) => i.status === 'error')) {
      setError('Some files cannot be sent: remove the ones marked with a reason first.');
      return;
    }
    setBusy(true);
    try {
      if (!props.signedInName) await api('POST', '/api/visitor/session', {});
      const r = await api<{ conversation: ConversationView }>('POST', '/api/conversations', {
        ...(props.signedInName ? {} : { displayName: name }),
        ...(topicId ? { topicId } : {}),
        ...(email.trim() ? { email: email.trim() } : {}),
        text,
        clientMsgId: crypto.randomUUID(),
        // The page the form is on: agents see it in the contact panel (the future widget: the embedding page).
        pageUrl: window.location.href,
      });
      drafts.save('start', '');
      startFiles.put(
        r.conversation.id,
        files.items.map((i) => i.file),
      );
      await refresh();
      navigate(`/c/${r.conversation.id}`);
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.code === 'conversation_already_open') {
          const id = (err.details as { conversationId?: string } | undefined)?.conversationId;
          if (id) return navigate(`/c/${id}`);
        }
        setFields(err.fields);
        if (err.code !== 'validation_failed') setError(err.message);
      } else setError('Something went wrong. Please try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card border-0 shadow-sm mt-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="card-body p-4">
        <h2 className="h5 mb-3">{props.title}</h2>
        <FormError error={error} />
        {props.signedInName ? (
          <>
            <p className="text-body-secondary small mb-1">
              You are signed in as <strong>{props.signedInName}</strong>.
            </p>
            {/* The account's name is checked like a typed one (an agent may have that name now). */}
            {fields.displayName && (
              <div className="invalid-feedback d-block mb-3" role="alert">
                {fields.displayName} Change it on <a href="/account">your account page</a>.
              </div>
            )}
          </>
        ) : (
          <Field
            label="Your name"
            name="displayName"
            autoComplete="name"
            required
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              drafts.save('start-name', e.target.value);
            }}
            error={fields.displayName}
          />
        )}
        {/* Without mail, an optional address would promise a reply e-mail that never comes: not asked then. */}
        {!props.signedInName && (props.emailRequired || props.mailConfigured) && (
          <Field
            label={props.emailRequired ? 'Your e-mail address' : 'Your e-mail address (optional)'}
            name="email"
            type="email"
            autoComplete="email"
            required={props.emailRequired}
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
              drafts.save('start-email', e.target.value);
            }}
            error={fields.email}
            hint={
              props.emailRequired
                ? props.mailConfigured
                  ? 'We are closed right now: we need it so our answer can reach you.'
                  : 'We are closed right now: we need it so our team can reach you.'
                : props.status && !props.status.available
                  ? 'We are closed right now: leave it and we will e-mail you our answer.'
                  : 'If you are not here when we answer, we will e-mail you the reply.'
            }
          />
        )}
        {topics.length > 0 && (
          <fieldset className="mb-3">
            <legend className="form-label fs-6">Topic (optional)</legend>
            <div className="sc-topic-chips">
              {topics.map((t) => (
                <button
                  key={t.id}
                  type="button"
                  className={`btn btn-sm rounded-pill ${topicId === t.id ? 'btn-primary' : 'btn-outline-secondary'}`}
                  aria-pressed={topicId === t.id}
                  onClick={() => setTopicId(topicId === t.id ? undefined : t.id)}
                >
                  {t.label}
                </button>
              ))}
            </div>
            {fields.topicId && <div className="invalid-feedback d-block">{fields.topicId}</div>}
          </fieldset>
        )}
        <div className="mb-3">
          <label htmlFor="first-message" className="form-label">
            Your question
          </label>
          <textarea
            id="first-message"
            className={`form-control${fields.text ? ' is-invalid' : ''}`}
            rows={4}
            value={text}
            aria-invalid={fields.text ? true : undefined}
            aria-describedby="first-message-help"
            onChange={(e) => {
              setText(e.target.value);
              drafts.save('start', e.target.value);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void submit();
              }
            }}
          />
          {fields.text ? (
            <div className="invalid-feedback d-block" role="alert">
              {fields.text}
            </div>
          ) : (
            <div id="first-message-help" className="form-text">
              At least 10 characters. Ctrl+Enter sends.
            </div>
          )}
        </div>
        <AttachmentDropZone onFiles={files.add} className="mb-3">
          <div className="d-flex align-items-center gap-2">
            <AttachmentPicker onFiles={files.add} extensions={files.limits?.allowedExtensions} />
            <span className="form-text m-0">
              Attach screenshots or documents (optional): choose them or drop them here.
            </span>
          </div>
          <PendingAttachments uploads={files} />
        </AttachmentDropZone>
        <button type="submit" className="btn btn-primary w-100" disabled={busy}>
          {busy && <span className="spinner-border spinner-border-sm me-2" aria-hidden="true" />}
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
