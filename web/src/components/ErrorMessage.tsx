export function ErrorMessage({ error }: { error?: string }) {
  return error ? (
    <p class="error-box" role="alert">
      {error}
    </p>
  ) : null;
}
