import { Notice } from '../../ui/Notice';
import type { ControlPlaneView } from './useControlPlane';

/** For the import step: says whether import may start (vault registration confirmed) and why not. */
export function ImportGateNotice({ view }: { view: ControlPlaneView | null }) {
  if (!view) return null;
  return view.importGate.allowed ? (
    <Notice tone="success" testId="import-gate">
      {view.importGate.reason}
    </Notice>
  ) : (
    <Notice tone="warning" testId="import-gate">
      Import is blocked: {view.importGate.reason}
    </Notice>
  );
}
