/** The AWS screens' errors are the app's (one wording for "nothing was lost"). */
export { asError, type ShownError } from '../../app/errors';
