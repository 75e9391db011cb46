import type { ReactNode } from 'react';

/** The centred card that sign-in, registration and password pages sit in. */
export function AuthCard(props: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="row justify-content-center">
      <div className="col-12 col-sm-10 col-md-7 col-lg-5">
        <div className="card shadow-sm border-0">
          <div className="card-body p-4">
            <h1 className="h4 mb-4">{props.title}</h1>
            {props.children}
          </div>
        </div>
        {props.footer && <div className="text-center mt-3 small">{props.footer}</div>}
      </div>
    </div>
  );
}
