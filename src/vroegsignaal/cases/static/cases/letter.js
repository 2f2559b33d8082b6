// The letter just made ("Brief maken" posts, the case page comes back with the new contact
// attempt): its download starts by itself, once; the link stays for another try and works
// without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const link = document.querySelector("a[data-auto-download]");
  if (link) link.click();
});
