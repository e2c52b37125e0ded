// chatdesk help center: the home page's big search prompt focuses Material's search box,
// which opens the search overlay, so a customer can type at once. Without JS the prompt is
// still a <label for="__search"> that opens the overlay.
document.addEventListener("click", function (event) {
  var prompt = event.target.closest && event.target.closest(".kb-hero-search")
  if (!prompt) return
  var input = document.querySelector("input.md-search__input")
  if (!input) return
  event.preventDefault()
  input.focus()
})

// Thai is written without spaces; the site's pages carry invisible word breaks (U+200B) and
// the Thai search splits on them. Put the same breaks into the query as the customer types,
// before Material reads it (capture phase), so "แท็กเชื่อมต่อไม่ได้" finds the article.
var THAI_RUN = /[\u0e00-\u0e7f]+/g
var thaiWords = typeof Intl !== "undefined" && Intl.Segmenter
  ? new Intl.Segmenter("th", { granularity: "word" })
  : null

function breakThai(text) {
  return text.replace(THAI_RUN, function (run) {
    return Array.from(thaiWords.segment(run), function (s) { return s.segment }).join("\u200b")
  })
}

document.addEventListener("input", function (event) {
  var input = event.target
  if (!thaiWords || event.isComposing || !input.matches || !input.matches("input.md-search__input")) return
  var plain = input.value.replace(/\u200b/g, "")
  var broken = breakThai(plain)
  if (broken === input.value) return
  // Keep the caret after the same visible character.
  var caret = input.value.slice(0, input.selectionStart).replace(/\u200b/g, "").length
  input.value = broken
  var position = 0
  for (var seen = 0; position < broken.length && seen < caret; position++) {
    if (broken[position] !== "\u200b") seen++
  }
  input.setSelectionRange(position, position)
}, true)
