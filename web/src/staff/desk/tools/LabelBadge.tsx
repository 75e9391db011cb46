import type { LabelColor, LabelView } from '../../../../../src/shared/desk-tools.js';

/** Bootstrap's subtle background with its emphasis text colour: each pair passes WCAG AA contrast. */
const CLASSES: Record<LabelColor, string> = {
  gray: 'bg-secondary-subtle text-secondary-emphasis border-secondary-subtle',
  blue: 'bg-primary-subtle text-primary-emphasis border-primary-subtle',
  green: 'bg-success-subtle text-success-emphasis border-success-subtle',
  yellow: 'bg-warning-subtle text-warning-emphasis border-warning-subtle',
  orange: 'sc-label-orange',
  red: 'bg-danger-subtle text-danger-emphasis border-danger-subtle',
  purple: 'sc-label-purple',
  teal: 'bg-info-subtle text-info-emphasis border-info-subtle',
};

/** A label as a small badge; with `onRemove`, a button to take it off. */
export function LabelBadge(props: { label: LabelView; onRemove?: () => void }) {
  return (
    <span className={`badge border fw-medium sc-label ${CLASSES[props.label.color]}`}>
      {props.label.name}
      {props.onRemove && (
        <button
          type="button"
          className="btn btn-link p-0 ms-1 sc-label-remove"
          aria-label={`Remove label ${props.label.name}`}
          onClick={props.onRemove}
        >
          ×
        </button>
      )}
    </span>
  );
}
