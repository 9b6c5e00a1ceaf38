// The server names default revisions in English ("Zero draft", "Final text"; Rev.N reads the same in both
// languages): shown in the reader's language. A name the Secretariat chose stays as written.
import { t } from './i18n.js'

const DEFAULTS = { 'Zero draft': 'memory.zero_draft', 'Final text': 'memory.final_text' }

export const revisionName = (name) => DEFAULTS[name] ? t(DEFAULTS[name]) : name
