// The pages' only script (served by the ledger, allowed by its Content-Security-Policy):
// a picker left empty is not sent, so "now" stays the default; "Skriv ut" prints.
document.addEventListener("submit", (event) => {
  for (const field of event.target.querySelectorAll("input[type=datetime-local], input[type=date], input[type=text], select")) {
    if (field.name && field.value === "") field.disabled = true;
  }
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
