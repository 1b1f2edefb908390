/** A message box for things the holder must read: storage problems, refused secrets, export results. */
export function Notice({ tone, children, testId }: { tone: 'error' | 'warning' | 'info' | 'success'; children: React.ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === 'error' || tone === 'warning' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}
