// The pages' only script (served by the ledger, allowed by its Content-Security-Policy):
// a picker or filter left empty is not sent, so "now" stays the default; "Skriv ut" prints.
document.addEventListener("submit", (event) => {
  for (const field of event.target.querySelectorAll("input, select")) {
    if (field.name && field.type !== "hidden" && field.value === "") {
      field.disabled = true;
      field.dataset.emptied = "";
    }
  }
});
window.addEventListener("pageshow", () => {
  for (const field of document.querySelectorAll("[data-emptied]")) field.disabled = false;
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
