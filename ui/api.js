// api.js: the one place the UI talks HTTP to the server.

/** ApiError carries the server's JSON error shape: code, message, field. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/**
 * api sends a JSON request and returns the decoded answer (null for 204).
 * Failures throw ApiError; a network failure has status 0.
 */
export async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch {
    throw new ApiError(0, 'offline', 'Cannot reach the server. Check your connection and try again.');
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    // Not JSON: fall through to a generic error below.
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText, e.field);
  }
  return data;
}

/**
 * upload posts files as multipart/form-data, reporting the fraction sent
 * to onProgress (fetch cannot report upload progress; XMLHttpRequest can).
 */
export function upload(path, files, onProgress, fields = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append('file', file, file.webkitRelativePath || file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError(0, 'offline', 'Cannot reach the server. Check your connection and try again.'));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.response);
      const e = xhr.response?.error || {};
      reject(new ApiError(xhr.status, e.code || 'http_' + xhr.status, e.message || xhr.statusText, e.field));
    };
    xhr.send(form);
  });
}
