"""nimbus's Lambda runtime for Python (standard library only).

Imports the handler named by _HANDLER ("module.function", the module relative to
LAMBDA_TASK_ROOT) once, then loops on the Lambda Runtime API: GET the next event, call the
handler with it and a context object, POST the result or the error.
"""

import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.rsplit(":", 1)
BASE = "/2018-06-01/runtime"
_conn = None


def _request(method, path, body=None, headers=None):
    global _conn
    for attempt in range(2):
        if _conn is None:
            _conn = http.client.HTTPConnection(HOST, int(PORT))
        try:
            _conn.request(method, BASE + path, body=body, headers=headers or {})
            resp = _conn.getresponse()
            return resp.status, resp.headers, resp.read()
        except (http.client.HTTPException, OSError):
            _conn.close()
            _conn = None
            if attempt:
                raise


def _post(path, payload, headers=None):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return _request("POST", path, payload, h)


_BOOTSTRAP = os.path.abspath(__file__)
_TASK_ROOT = os.path.abspath(os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))


def _shown(text):
    """Paths inside the task root read as AWS shows them, under /var/task."""
    return str(text).replace(_TASK_ROOT + os.sep, "/var/task/")


def _stack_trace(tb):
    """The formatted frames of a traceback as AWS's runtime reports them: the runtime's own
    leading frames dropped, user code under /var/task, no column carets."""
    frames = traceback.extract_tb(tb)
    while frames and os.path.abspath(frames[0].filename) == _BOOTSTRAP:
        frames = frames[1:]
    return traceback.format_list(
        [(_shown(f.filename), f.lineno, f.name, f.line) for f in frames]
    )


def _error_doc(exc, request_id=""):
    return {
        "errorMessage": _shown(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": _stack_trace(exc.__traceback__),
    }


def _log_error(doc):
    lines = ["[ERROR] %s: %s" % (doc["errorType"], doc["errorMessage"])]
    lines.append("Traceback (most recent call last):")
    for frame in doc.get("stackTrace") or []:
        lines.extend(frame.splitlines())
    # One log event, as AWS's runtime writes it to stdout: carriage returns join the lines,
    # and the log sink turns them back into line breaks inside the one event.
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


class LambdaContext:
    """The context object handlers receive."""

    def __init__(self, request_id, deadline_ms, invoked_arn, client_context):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.invoked_function_arn = invoked_arn
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        if client_context:
            try:
                self.client_context = json.loads(client_context)
            except ValueError:
                self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
            "function_name=%s,memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
            )
        )


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    fmt = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    fmt.converter = time.gmtime
    handler.setFormatter(fmt)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def _init_error(error_type, message, exc=None, trace=None):
    doc = {"errorMessage": _shown(message), "errorType": error_type, "requestId": "", "stackTrace": []}
    if trace is not None:
        doc["stackTrace"] = trace
    elif exc is not None:
        doc["stackTrace"] = _stack_trace(exc.__traceback__)
    _log_error(doc)
    _post("/init/error", json.dumps(doc), {"Lambda-Runtime-Function-Error-Type": error_type})
    sys.exit(1)


def _load_handler():
    handler = os.environ.get("_HANDLER", "")
    sys.path.insert(0, _TASK_ROOT)
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        _init_error("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, e))
    modname = modname.replace("/", ".")
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            _init_error(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module %s as a handler module" % modname,
            )
        module = importlib.import_module(modname)
    except ImportError as e:
        _init_error("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (_shown(e.filename), e.lineno, (e.text or "").strip())]
        _init_error("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e), trace=trace)
    except Exception as e:  # noqa: BLE001 - any failure at import is the function's init error
        _init_error(type(e).__name__, str(e), e)
    fn = getattr(module, fname, None)
    if fn is None:
        _init_error("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    return fn


def main():
    _setup_logging()
    fn = _load_handler()
    while True:
        status, headers, body = _request("GET", "/invocation/next")
        if status != 200:
            time.sleep(0.01)
            continue
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        _RequestIdFilter.request_id = request_id
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        context = LambdaContext(
            request_id,
            int(headers.get("Lambda-Runtime-Deadline-Ms", "0") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn", ""),
            headers.get("Lambda-Runtime-Client-Context"),
        )
        try:
            event = json.loads(body) if body else {}
            result = fn(event, context)
        except Exception as e:  # noqa: BLE001 - the handler's error is reported, not raised
            doc = _error_doc(e, request_id)
            _log_error(doc)
            _post("/invocation/%s/error" % request_id, json.dumps(doc),
                  {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as e:
            doc = {
                "errorMessage": "Unable to marshal response: %s" % e,
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            _log_error(doc)
            _post("/invocation/%s/error" % request_id, json.dumps(doc),
                  {"Lambda-Runtime-Function-Error-Type": "Runtime.MarshalError"})
            continue
        _post("/invocation/%s/response" % request_id, payload)


if __name__ == "__main__":
    main()
