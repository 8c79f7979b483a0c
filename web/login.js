// The sign-in page: the same accounts as `lab login`; the session goes into an HttpOnly cookie.
'use strict';

// Only a path on this site may follow sign-in (never another site: no open redirect).
function nextPage() {
  const next = new URLSearchParams(location.search).get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

document.getElementById('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const error = document.getElementById('error');
  const button = document.getElementById('sign-in');
  error.textContent = '';
  button.disabled = true;
  try {
    await lab.api('/api/v1/auth/web-login', {
      method: 'POST', noRedirect: true,
      body: { name: document.getElementById('name').value, password: document.getElementById('password').value },
    });
    location.href = nextPage();
  } catch (err) {
    error.textContent = err.message;
    button.disabled = false;
  }
});
