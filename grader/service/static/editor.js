// The region editor: Tab indents (four spaces) instead of leaving the field.
document.addEventListener("DOMContentLoaded", function () {
  var area = document.getElementById("region");
  if (!area) return;
  area.addEventListener("keydown", function (event) {
    if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) return;
    event.preventDefault();
    var start = area.selectionStart, end = area.selectionEnd, text = area.value;
    if (event.shiftKey) {
      var lineStart = text.lastIndexOf("\n", start - 1) + 1;
      var removed = text.substr(lineStart, 4).match(/^ {1,4}/);
      if (removed) {
        area.value = text.slice(0, lineStart) + text.slice(lineStart + removed[0].length);
        area.selectionStart = area.selectionEnd = Math.max(lineStart, start - removed[0].length);
      }
      return;
    }
    area.value = text.slice(0, start) + "    " + text.slice(end);
    area.selectionStart = area.selectionEnd = start + 4;
  });
});
