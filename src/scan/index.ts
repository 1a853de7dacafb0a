/**
 * The scan pipeline: reads the sources (src/sources) and analyzes each target (core/analyze), for the CLI and the
 * editor's lazily loaded bundle. It stands above sources, fixes and backup, none of which import it.
 */
export { scan, ScanInputError, type ScanRequest } from './scan';
export { gatherVolumes, type GatherOptions, type GatheredVolumes } from './volumes';
