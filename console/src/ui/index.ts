export { Button } from './Button.tsx';
export { Badge, VerdictBadge, RiskBadge } from './Badge.tsx';
export { Dialog, ConfirmButton } from './Dialog.tsx';
export { Field, TextInput, TextArea, Select, inputClass } from './Field.tsx';
export { Table, type Column } from './Table.tsx';
export { Loading, EmptyState, ErrorState, Async } from './States.tsx';
export { PageHeader, Card, Json } from './Layout.tsx';
export { Qr } from './Qr.tsx';
export { BarChart, type ChartSeries } from './Chart.tsx';
