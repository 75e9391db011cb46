import { useEffect, useState } from 'react';
import type { ConversationView, TopicView } from '../../../../src/shared/conversations.js';
import type { SupportStatusWire } from '../../../../src/shared/schedule.schemas.js';
import type { AvailabilityState, ContactView, WidgetConfig } from '../../../../src/shared/widget.js';
import { api, ApiError } from '../../shared/api.js';
import { AttachmentDropZone, AttachmentPicker, PendingAttachments } from '../../shared/chat/AttachmentPicker.js';
import { drafts } from '../../shared/chat/storage.js';
import { useAttachmentUploads } from '../../shared/chat/use-attachment-uploads.js';
import { useAttachmentLimits } from '../../shared/use-attachment-limits.js';
import { Field, FormError } from '../../shared/ui/forms.js';
import { startFiles } from '../../public/conversation/start-files.js';
import { withSession } from './session.js';

/** The host page the loader opened the chat on (`page` of the frame's address), when it is an http(s) address. */
function hostPage(): { pageUrl?: string } {
  const page = new URLSearchParams(location.search).get('page');
  return page && /^https?:\/\/\S+$/i.test(page) && page.length <= 2048 ? { pageUrl: page } : {};
}

/**
 * The widget's start form: the greeting, then name, e-mail, topic, question and files — the landing page's form in
 * a narrow frame. While nobody can answer and the admin chose the offline form, it becomes "leave us a message"
 * with the e-mail address required (our answer has to reach the visitor somehow). A signed-in contact's name and
 * e-mail come filled in.
 */
export function StartView(props: {
  config: WidgetConfig;
  status: SupportStatusWire | null;
  state: AvailabilityState | null;
  contact: ContactView | null;
  onStarted: (conversationId: string) => void;
}) {
  const offlineForm =
    props.state !== null && props.state !== 'online' && props.config.appearance.offlineBehavior === 'form';
  const emailRequired = offlineForm;
  const [topics, setTopics] = useState<TopicView[]>([]);
  const [topicId, setTopicId] = useState<string>();
  const [name, setName] = useState(() => props.contact?.name ?? drafts.load('widget-start-name'));
  const [email, setEmail] = useState(() => props.contact?.email ?? drafts.load('widget-start-email'));
  const [text, setText] = useState(() => drafts.load('widget-start'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
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
    if (emailRequired && !email.trim()) {
      setFields({ email: 'We need your e-mail address to answer you while we are away.' });
      return;
    }
    if (files.items.some((i) => i.status === 'error')) {
      setError('Some files cannot be sent: remove the ones marked with a reason first.');
      return;
    }
    setBusy(true);
    try {
      const r = await withSession(() =>
        api<{ conversation: ConversationView }>('POST', '/api/conversations', {
          displayName: name,
          ...(topicId ? { topicId } : {}),
          ...(email.trim() ? { email: email.trim() } : {}),
          text,
          clientMsgId: crypto.randomUUID(),
          ...hostPage(),
        }),
      );
      drafts.save('widget-start', '');
      startFiles.put(
        r.conversation.id,
        files.items.map((i) => i.file),
      );
      props.onStarted(r.conversation.id);
    } catch (err) {
      if (err instanceof ApiError) {
        const id = (err.details as { conversationId?: string } | undefined)?.conversationId;
        if (err.code === 'conversation_already_open' && id) return props.onStarted(id);
        setFields(err.fields);
        if (err.code !== 'validation_failed') setError(err.message);
      } else setError('Something went wrong. Please try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="sc-widget-start"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <p className="sc-widget-greeting">{props.config.appearance.greeting}</p>
      {props.state !== null && props.state !== 'online' && props.status && (
        <div className="alert alert-secondary py-2 small" role="status">
          {offlineForm && <strong className="d-block">Leave us a message</strong>}
          {props.status.message}
        </div>
      )}
      <FormError error={error} />
      {props.contact && (
        <p className="small text-body-secondary mb-2">
          Signed in as <strong>{props.contact.name ?? props.contact.email}</strong>
        </p>
      )}
      <Field
        label="Your name"
        name="displayName"
        autoComplete="name"
        required
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          drafts.save('widget-start-name', e.target.value);
        }}
        error={fields.displayName}
      />
      <Field
        label={emailRequired ? 'Your e-mail address' : 'Your e-mail address (optional)'}
        name="email"
        type="email"
        autoComplete="email"
        required={emailRequired}
        value={email}
        onChange={(e) => {
          setEmail(e.target.value);
          drafts.save('widget-start-email', e.target.value);
        }}
        error={fields.email}
        hint={
          emailRequired
            ? 'We are away: our answer will reach you by e-mail.'
            : 'If you are not here when we answer, we will e-mail you the reply.'
        }
      />
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
        </fieldset>
      )}
      <div className="mb-3">
        <label htmlFor="widget-question" className="form-label">
          Your question
        </label>
        <textarea
          id="widget-question"
          className={`form-control${fields.text ? ' is-invalid' : ''}`}
          rows={3}
          value={text}
          aria-invalid={fields.text ? true : undefined}
          aria-describedby={fields.text ? 'widget-question-error' : 'widget-question-help'}
          onChange={(e) => {
            setText(e.target.value);
            drafts.save('widget-start', e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
        />
        {fields.text ? (
          <div id="widget-question-error" className="invalid-feedback d-block" role="alert">
            {fields.text}
          </div>
        ) : (
          <div id="widget-question-help" className="form-text">
            At least 10 characters. Ctrl+Enter sends.
          </div>
        )}
      </div>
      <AttachmentDropZone onFiles={files.add} className="mb-3">
        <div className="d-flex align-items-center gap-2">
          <AttachmentPicker onFiles={files.add} extensions={files.limits?.allowedExtensions} />
          <span className="form-text m-0">Attach files (optional)</span>
        </div>
        <PendingAttachments uploads={files} />
      </AttachmentDropZone>
      <button type="submit" className="btn sc-widget-primary w-100" disabled={busy}>
        {busy && <span className="spinner-border spinner-border-sm me-2" aria-hidden="true" />}
        {offlineForm ? 'Send message' : 'Start chat'}
      </button>
    </form>
  );
}
