export { createCeremonyService, describeEntry, DEVIATION_KINDS, type CeremonyService, type CeremonyView, type CeremonyStepView, type CeremonyParticipant, type RecordOutcome } from './ceremony-service';
export { createCeremonyOperations, ceremonyEntries, holderOfLabel, type CeremonyOperations, type CeremonyRecorder } from './operations';
export { closeCeremony, sendCeremonyRecord, sendPendingRecords, reportInput, reportFromEntries } from './closing';
export { ceremonyReportHtml, type CeremonyReportInput, type ReportStep } from './report';
