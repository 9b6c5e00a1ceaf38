// CodeMirror writes its own styles through style-mod, which puts a <style> element in the document:
// the page's content security policy (style-src 'self', no inline styles) blocks it, and the editors
// lose their base styles. Constructed style sheets are not inline styles, so the same rules go into
// one adopted CSSStyleSheet instead. Import this module before any editor is created.
import { StyleModule } from 'style-mod'

const modules = []
let sheet = null

const flatten = (list) => (Array.isArray(list) ? list.flatMap(flatten) : [list])

StyleModule.mount = function mount (root, wanted) {
  let added = false
  for (const module of flatten(wanted)) {
    if (!modules.includes(module)) {
      modules.push(module)
      added = true
    }
  }
  if (!added) return
  if (sheet === null) {
    sheet = new CSSStyleSheet()
    const target = root.adoptedStyleSheets ? root : root.ownerDocument ?? document
    target.adoptedStyleSheets = [sheet, ...target.adoptedStyleSheets]
  }
  sheet.replaceSync(modules.map((module) => module.getRules()).join('\n'))
}
