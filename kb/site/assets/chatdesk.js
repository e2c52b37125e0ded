// chatdesk help center: the home page's big search prompt focuses Material's search box,
// which opens the search overlay, so a customer can type at once. Without JS the prompt is
// still a <label for="__search"> that opens the overlay.
document.addEventListener("click", function (event) {
  var prompt = event.target.closest && event.target.closest(".kb-hero-search")
  if (!prompt) return
  var input = document.querySelector("input.md-search__input")
  if (!input) return
  event.preventDefault()
  openSearch(input)
})

// Open Material's search overlay through its own toggle, then put the caret in the query:
// focusing the input alone opens it only once Material has bound its focus handler.
function openSearch(input) {
  var toggle = document.getElementById("__search")
  if (toggle && !toggle.checked) {
    toggle.checked = true
    toggle.dispatchEvent(new Event("change"))
  }
  input.focus()
}

// The query is normalised as the customer types, before Material reads it (capture phase), the
// same way kb_site's pages were for the index:
// - Thai is written without spaces; the pages carry invisible word breaks (U+200B) and the Thai
//   search splits on them, so the query gets the same breaks (kb.site.thai), and
//   "แท็กเชื่อมต่อไม่ได้" finds the article.
// - Persian typed on an Arabic keyboard has ي/ك (and Arabic-Indic digits); the pages use the
//   Persian ی/ک, so the query is folded the same way (kb.site.persian.FOLD; keep in step).
var LANGUAGE = (document.documentElement.getAttribute("lang") || "").split("-")[0]
var THAI_RUN = /[\u0e00-\u0e7f]+/g
var thaiWords = LANGUAGE === "th" && typeof Intl !== "undefined" && Intl.Segmenter
  ? new Intl.Segmenter("th", { granularity: "word" })
  : null
var PERSIAN = LANGUAGE === "fa" || LANGUAGE === "ur"
var PERSIAN_VARIANTS = /[\u064a\u0649\u0643\u0640\u200d\u0660-\u0669]/g
var PERSIAN_FOLD = { "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0640": "", "\u200d": "" }

function breakThai(text) {
  return text.replace(THAI_RUN, function (run) {
    return Array.from(thaiWords.segment(run), function (s) { return s.segment }).join("\u200b")
  })
}

function foldPersian(text) {
  return text.replace(PERSIAN_VARIANTS, function (ch) {
    var code = ch.charCodeAt(0)
    if (code >= 0x0660 && code <= 0x0669) return String.fromCharCode(code - 0x0660 + 0x06f0)
    return PERSIAN_FOLD[ch]
  })
}

function normalise(text) {
  if (thaiWords) text = breakThai(text.replace(/\u200b/g, ""))
  if (PERSIAN) text = foldPersian(text)
  return text
}

function visibleLength(text) {
  return text.replace(/\u200b/g, "").length
}

if (thaiWords || PERSIAN) {
  document.addEventListener("input", function (event) {
    var input = event.target
    if (event.isComposing || !input.matches || !input.matches("input.md-search__input")) return
    var normal = normalise(input.value)
    if (normal === input.value) return
    // Keep the caret after the same visible character.
    var caret = visibleLength(normalise(input.value.slice(0, input.selectionStart)))
    input.value = normal
    var position = 0
    for (var seen = 0; position < normal.length && seen < caret; position++) {
      if (normal[position] !== "\u200b") seen++
    }
    input.setSelectionRange(position, position)
  }, true)
}

// Accessibility, once Material has set up the page (document$ re-emits on instant navigation):
// - the search overlay is a dialog: it gets a name (Material's own translated "Search");
// - the home page's search prompt is a <label for="__search">, which the keyboard cannot reach:
//   it becomes a focusable button that opens search on Enter or Space.
function accessible() {
  var dialog = document.querySelector(".md-search[role=dialog]")
  var input = document.querySelector("input.md-search__input")
  if (dialog && input && !dialog.hasAttribute("aria-label")) {
    dialog.setAttribute("aria-label", input.getAttribute("aria-label") || input.placeholder || "Search")
  }
  var prompt = document.querySelector(".kb-hero-search")
  if (prompt && input) {
    prompt.setAttribute("tabindex", "0")
    prompt.setAttribute("role", "button")
  }
}

document.addEventListener("keydown", function (event) {
  if ((event.key !== "Enter" && event.key !== " ") || !event.target.matches) return
  if (!event.target.matches(".kb-hero-search")) return
  var input = document.querySelector("input.md-search__input")
  if (!input) return
  event.preventDefault()
  openSearch(input)
})

if (typeof document$ !== "undefined" && document$.subscribe) {
  document$.subscribe(accessible)
} else {
  document.addEventListener("DOMContentLoaded", accessible)
}
