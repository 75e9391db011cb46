import 'bootstrap/dist/css/bootstrap.min.css';
import '../../styles/app.css';
import './widget.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { authenticateWithBearer } from '../../shared/api.js';
import { currentToken } from './session.js';
import { WidgetApp } from './WidgetApp.js';

// The frame's requests carry its own bearer token, never cookies (see session.ts).
authenticateWithBearer(currentToken);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <WidgetApp />
  </StrictMode>,
);
