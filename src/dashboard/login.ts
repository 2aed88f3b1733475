/**
 * The login form's script: posts the admin key as JSON to `<dashboard>/login` (which sets the session
 * cookie), then opens the dashboard; a refused key shows the gateway's message.
 *
 * @module
 */
const form = document.getElementById('login') as HTMLFormElement;
const message = document.getElementById('login-error') as HTMLElement;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  message.textContent = '';
  const key = (form.elements.namedItem('key') as HTMLInputElement).value;
  try {
    const response = await fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    if (response.ok) {
      location.replace(form.dataset.dashboard ?? '/dashboard');
      return;
    }
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    message.textContent = body.error?.message ?? `Sign-in failed (HTTP ${response.status})`;
  } catch (error) {
    message.textContent = `Sign-in failed: ${(error as Error).message}`;
  }
});
