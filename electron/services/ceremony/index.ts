export { createCeremonyService, DEVIATION_KINDS, type CeremonyService } from './ceremony-service';
export { createCeremonyOperations, holderOfLabel, type CeremonyOperations, type CeremonyRecorder } from './operations';
export { closeCeremony, sendPendingRecords, reportInput, reportFromEntries } from './closing';
export { ceremonyReportHtml, type ReportStep } from './report';
