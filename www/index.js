// Landing page: translation and the language switch only.

import { otherLanguage, preferredLanguage, saveLanguage, translate } from "./i18n.js";

let language = preferredLanguage();
translate(document, language);
document.getElementById("language-switch").addEventListener("click", () => {
  language = otherLanguage(language);
  saveLanguage(language);
  translate(document, language);
});
