# StudyPath sandbox harness for Python submissions (trusted code run inside the sandbox).
#
# Usage: python3 -I -S -B harness.py <input.json> <solution.py>
# input.json: {"function": name, "params": [type, ...], "returns": type, "tests": [[arg, ...], ...]}
# holds the SAMPLE tests' arguments only. The hidden tests' arguments arrive on fd 4 (the same
# JSON shape, then EOF) once the harness asks for them with a "next" line: they are never in the
# sandbox while the code loads or while sample tests run, so nothing printed or raised then can
# carry them. Expected values never enter the sandbox; the runner compares.
# Writes one JSON line per event to fd 3: hello, load_error | ready, test (one per sample test,
# i = its index among the samples), next, test (one per hidden test), done. After hello the
# submission's code can write to fd 3 too: the runner treats the channel as untrusted.
import json
import math
import os
import sys
import time
import traceback

PROTOCOL_FD = 3
HIDDEN_FD = 4
MAIN_PID = os.getpid()
MAX_NODES = 1_000_000
MAX_DEPTH = 100
MAX_MESSAGE = 2000


def emit(event):
    if os.getpid() != MAIN_PID:
        # A process the submission forked must not speak for the harness.
        os._exit(0)
    data = (json.dumps(event, allow_nan=False, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    while view:
        try:
            written = os.write(PROTOCOL_FD, view)
        except BlockingIOError:
            time.sleep(0.001)
            continue
        view = view[written:]


class ListNode:
    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next

    def __repr__(self):
        return "ListNode(%r)" % (self.val,)


class TreeNode:
    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right

    def __repr__(self):
        return "TreeNode(%r)" % (self.val,)


def build_list(values):
    head = None
    for value in reversed(values or []):
        head = ListNode(value, head)
    return head


def build_tree(values):
    if not values or values[0] is None:
        return None
    root = TreeNode(values[0])
    queue = [root]
    head = 0
    i = 1
    while head < len(queue) and i < len(values):
        node = queue[head]
        head += 1
        if i < len(values) and values[i] is not None:
            node.left = TreeNode(values[i])
            queue.append(node.left)
        i += 1
        if i < len(values) and values[i] is not None:
            node.right = TreeNode(values[i])
            queue.append(node.right)
        i += 1
    return root


class ResultError(Exception):
    pass


def is_list_node(value):
    return hasattr(value, "val") and hasattr(value, "next")


def is_tree_node(value):
    return hasattr(value, "val") and hasattr(value, "left") and hasattr(value, "right")


def list_to_json(node, depth=0):
    out = []
    while node is not None:
        if len(out) >= MAX_NODES:
            raise ResultError("the returned linked list has a cycle or more than %d nodes" % MAX_NODES)
        out.append(to_json(node.val, depth + 1))
        node = node.next
    return out


def tree_to_json(root, depth=0):
    if root is None:
        return []
    out = []
    queue = [root]
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        if node is None:
            out.append(None)
            continue
        if len(queue) > 2 * MAX_NODES:
            raise ResultError("the returned tree has a cycle or more than %d nodes" % MAX_NODES)
        out.append(to_json(node.val, depth + 1))
        queue.append(node.left)
        queue.append(node.right)
    while out and out[-1] is None:
        out.pop()
    return out


def to_json(value, depth=0):
    if depth > MAX_DEPTH:
        raise ResultError("the result nests deeper than %d levels" % MAX_DEPTH)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, (list, tuple)):
        return [to_json(item, depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        return [to_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item, depth + 1) for key, item in value.items()}
    if is_tree_node(value):
        return tree_to_json(value, depth)
    if is_list_node(value):
        return list_to_json(value, depth)
    raise ResultError("the result has a value of type %s, which is not JSON" % type(value).__name__)


def base_type(name):
    return name[:-1] if name.endswith("?") else name


def convert_arg(value, type_name):
    kind = base_type(type_name)
    if kind == "ListNode":
        return build_list(value)
    if kind == "TreeNode":
        return build_tree(value)
    return value


def convert_result(value, type_name):
    kind = base_type(type_name)
    if kind == "ListNode":
        return list_to_json(value)
    if kind == "TreeNode":
        return tree_to_json(value) if value is not None else []
    return to_json(value)


def short(text):
    text = str(text)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "..."


def describe(error, solution_file):
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == solution_file:
            line = frame.lineno
    text = type(error).__name__
    detail = str(error)
    if detail:
        text += ": " + detail
    if line is not None:
        text += " (line %d)" % line
    return short(text)


def read_hidden_tests():
    """The hidden tests' arguments, from fd 4 (the runner writes them when asked, then closes)."""
    chunks = []
    while True:
        try:
            chunk = os.read(HIDDEN_FD, 1 << 20)
        except InterruptedError:
            continue
        except BlockingIOError:
            time.sleep(0.001)
            continue
        if not chunk:
            break
        chunks.append(chunk)
    return json.loads(b"".join(chunks).decode("utf-8"))["tests"]


def run_tests(function, tests, params, returns, solution_file, hidden):
    """Calls the function on each test and reports it. False when the run must stop (memory)."""
    for index, raw_args in enumerate(tests):
        args = [convert_arg(value, params[i] if i < len(params) else "any") for i, value in enumerate(raw_args)]
        error = None
        memory = False
        wall_start = time.perf_counter()
        try:
            result = function(*args)
        except MemoryError:
            result = None
            memory = True
        except BaseException as caught:
            result = None
            error = caught
        wall_ms = (time.perf_counter() - wall_start) * 1000.0
        if os.getpid() != MAIN_PID:
            os._exit(0)
        event = {"t": "test", "i": index, "wall_ms": round(wall_ms, 3)}
        if memory:
            result = None
            event.update(ok=False, kind="memory", message="MemoryError: the memory limit was exceeded")
            emit(event)
            return False
        if error is not None:
            # Of a hidden test the runner keeps only the category: send no text at all.
            event.update(ok=False, kind="exception", message="" if hidden else describe(error, solution_file))
        else:
            try:
                event.update(ok=True, actual=convert_result(result, returns))
                json.dumps(event["actual"], allow_nan=False)
            except MemoryError:
                event.update(ok=False, kind="memory", message="MemoryError while reading the result")
                event.pop("actual", None)
                emit(event)
                return False
            except (ResultError, ValueError, TypeError, RecursionError) as problem:
                event.pop("actual", None)
                event.update(ok=False, kind="result", message="" if hidden else short("%s" % problem))
        emit(event)
    return True


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    with open(sys.argv[2], encoding="utf-8") as handle:
        source = handle.read()
    solution_file = "solution.py"
    namespace = {"__name__": "solution", "__builtins__": __builtins__, "ListNode": ListNode, "TreeNode": TreeNode}
    try:
        import typing

        for name in ("List", "Optional", "Dict", "Set", "Tuple", "Deque"):
            namespace[name] = getattr(typing, name)
    except Exception:
        pass
    # Everything the harness needs is read: from here on the submission's code may run.
    emit({"t": "hello"})
    try:
        code = compile(source, solution_file, "exec")
    except SyntaxError as error:
        where = " (line %d)" % error.lineno if error.lineno else ""
        emit({"t": "load_error", "kind": "syntax", "message": short("%s: %s%s" % (type(error).__name__, error.msg, where))})
        return
    except (ValueError, MemoryError) as error:
        emit({"t": "load_error", "kind": "syntax", "message": short("%s: %s" % (type(error).__name__, error))})
        return
    try:
        exec(code, namespace)
    except MemoryError:
        emit({"t": "load_error", "kind": "memory", "message": "MemoryError while loading the code"})
        return
    except BaseException as error:
        emit({"t": "load_error", "kind": "load", "message": describe(error, solution_file)})
        return
    function = namespace.get(spec["function"])
    if not callable(function):
        emit({"t": "load_error", "kind": "missing", "message": "the code does not define the function %s" % spec["function"]})
        return
    emit({"t": "ready"})

    params = spec["params"]
    returns = spec["returns"]
    if not run_tests(function, spec["tests"], params, returns, solution_file, hidden=False):
        return
    emit({"t": "next"})
    if not run_tests(function, read_hidden_tests(), params, returns, solution_file, hidden=True):
        return
    emit({"t": "done"})


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    try:
        main()
    except MemoryError:
        try:
            emit({"t": "fatal", "kind": "memory", "message": "MemoryError"})
        except BaseException:
            pass
        os._exit(1)
    except BaseException as error:
        try:
            emit({"t": "fatal", "kind": "harness", "message": short("%s: %s" % (type(error).__name__, error))})
        except BaseException:
            pass
        os._exit(1)
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    os._exit(0)
