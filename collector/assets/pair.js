// Pairing pages: offers a secret already stored on this phone, so a returning
// employee keeps one account, and stores a newly issued secret.
const STORAGE_KEY = "smile-employee-secret";

const existing = document.getElementById("existing-secret");
const stored = localStorage.getItem(STORAGE_KEY);
if (existing && stored) {
  existing.value = stored;
  document.getElementById("returning")?.removeAttribute("hidden");
}

const personalLink = document.getElementById("personal-link");
if (personalLink?.dataset.secret) {
  localStorage.setItem(STORAGE_KEY, personalLink.dataset.secret);
}
