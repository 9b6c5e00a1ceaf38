// The English / Español switch in the top bar: any time, remembered (i18n.js), pressed state announced.
import { currentLanguage, onLanguage, setLanguage, translatePage } from './i18n.js'

export function languageSwitch (root = document) {
  const buttons = [...root.querySelectorAll('.language-option')]
  const show = () => {
    for (const button of buttons) button.setAttribute('aria-pressed', String(button.dataset.language === currentLanguage()))
    translatePage()
  }
  for (const button of buttons) button.addEventListener('click', () => setLanguage(button.dataset.language))
  onLanguage(show)
  show()
}
