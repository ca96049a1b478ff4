# mretap.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What test-protocol.py and test-tool.py share: a TAP runner and a broker
# fixture that runs `mreventloop broker` on a socket in a temporary
# directory and kills every process a test started, even when it fails.
# Standard library only, for Debian's /usr/bin/python3.

import os
import signal
import socket
import subprocess
import tempfile
import time

# The tool under test, from meson (see tests/meson.build).
TOOL = os.environ.get('MREVENTLOOP_TOOL', 'mreventloop')

# How long a test waits for something that should happen (not a measure
# of speed: a generous bound so that a broken build fails, not hangs).
PATIENCE = 10.0


class TestFailure(Exception):
    pass


def check(condition, message='check failed'):
    if not condition:
        raise TestFailure(message)


def check_equal(actual, expected, what='value'):
    if actual != expected:
        raise TestFailure('%s: expected %r, got %r' % (what, expected, actual))


def wait_until(predicate, what, patience=PATIENCE):
    deadline = time.monotonic() + patience
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TestFailure('timed out waiting for ' + what)
        time.sleep(0.02)


def kill_processes_of(directory):
    """Kills the default broker that peers of a test started: no child of
    ours, but it runs on a socket in DIRECTORY or inherited
    XDG_RUNTIME_DIR=DIRECTORY. By PID; returns once none is left."""
    marker = directory.encode()

    def survivors():
        found = []
        for pid in os.listdir('/proc'):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    cmdline = f.read()
                with open('/proc/%s/environ' % pid, 'rb') as f:
                    environ = f.read()
            except OSError:
                continue
            if marker in cmdline or b'XDG_RUNTIME_DIR=' + marker + b'\0' in environ:
                found.append(int(pid))
        return found

    def none_left():
        pids = survivors()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return not pids

    wait_until(none_left, 'the default broker to go')


class Bus:
    """A broker on a socket of its own, and the processes of one test.

    Use as a context manager: on exit, every process started through it is
    killed and reaped, and the directory removed, however the test ended.
    """

    def __init__(self, broker_args=(), state_dir=False):
        self.broker_args = list(broker_args)
        self.state_dir = state_dir
        self.tmp = None
        self.path = None
        self.processes = []
        self.broker = None

    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='mre-test-')
        self.path = os.path.join(self.tmp.name, 'bus.sock')
        # Children never touch the user's default bus or its store; a default broker
        # they start is the tool under test, and goes soon after its peers.
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.tmp.name,
                        XDG_STATE_HOME=os.path.join(self.tmp.name, 'state'),
                        MRE_BROKER_PROGRAM=TOOL, MRE_IDLE_EXIT='2')
        if self.state_dir:
            # The broker's store (see PROTOCOL.md, "Durable push"),
            # kept across restart_broker().
            self.state_dir = os.path.join(self.tmp.name, 'broker-state')
            os.mkdir(self.state_dir, 0o700)
            self.broker_args += ['--state-dir', self.state_dir]
        try:
            self.broker = self.start_broker(self.path, self.broker_args)
        except BaseException as error:
            self.__exit__(type(error), error, error.__traceback__)
            raise
        return self

    def __exit__(self, exc_type, exc_value, exc_trace):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.kill()
            try:
                process.communicate(timeout=PATIENCE)
            except (subprocess.TimeoutExpired, ValueError, OSError):
                pass
        self.processes = []
        if self.tmp is not None and exc_type is not None:
            # What the brokers said helps more than the traceback.
            for name in sorted(os.listdir(self.tmp.name)):
                if name.endswith('.log'):
                    with open(self.log_path(name), errors='replace') as log:
                        for line in log:
                            print('# %s: %s' % (name, line.rstrip()))
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None
        return False

    def log_path(self, name):
        return os.path.join(self.tmp.name, name)

    def spawn(self, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE):
        """Starts `mreventloop ARGS…`; killed when the test ends."""
        process = subprocess.Popen([TOOL] + list(args), stdout=stdout,
                                   stderr=stderr, env=self.env)
        self.processes.append(process)
        return process

    def spawn_to_file(self, name, *args):
        """Starts `mreventloop ARGS…` with its output going to the file
        NAME in the test's directory: (process, path). Read it with
        lines(), which never blocks."""
        path = self.log_path(name)
        with open(path, 'wb') as out:
            process = self.spawn(*args, stdout=out, stderr=subprocess.STDOUT)
        return process, path

    def run(self, *args, timeout=PATIENCE):
        """Runs `mreventloop ARGS…` to its end: (status, stdout, stderr)."""
        process = self.spawn(*args)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            raise TestFailure('mreventloop %s did not finish: %r' % (' '.join(args), err))
        return process.returncode, out.decode(), err.decode()

    def restart_broker(self, down=0.0):
        """SIGKILLs the broker, waits DOWN seconds, and starts another on
        the same socket with the same arguments (and state directory)."""
        self.broker.kill()
        self.broker.wait(timeout=PATIENCE)
        time.sleep(down)
        self.broker = self.start_broker(self.path, self.broker_args)
        return self.broker

    def start_broker(self, path, args=()):
        """Starts `mreventloop broker --socket PATH` and waits until it
        accepts connections."""
        log = open(self.log_path('broker-%d.log' % len(self.processes)), 'wb')
        broker = self.spawn('broker', '--socket', path, *args,
                            stdout=subprocess.DEVNULL, stderr=log)
        log.close()

        def accepts():
            if broker.poll() is not None:
                raise TestFailure('the broker exited with %d' % broker.returncode)
            if not os.path.exists(path):
                return False
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(path)
                return True
            except OSError:
                return False
            finally:
                probe.close()

        wait_until(accepts, 'the broker on ' + path)
        return broker


def lines(path):
    """The complete lines written to PATH so far."""
    with open(path, errors='replace') as f:
        text = f.read()
    return text.split('\n')[:-1]


def run_tests(tests):
    """Runs each (description, function[, todo]) and prints TAP.

    A test with a `todo` checks behaviour the library does not have yet (a
    known bug, named in `todo`): its failure is reported as TAP's TODO,
    which meson counts as an expected failure, and its success as an
    unexpected pass, which says that the TODO can go.

    A test that returns ('skip', reason) could not run here (say, it
    needs root): it is reported as TAP's SKIP."""
    print('1..%d' % len(tests), flush=True)
    failed = 0
    for number, (description, function, *todo) in enumerate(tests, 1):
        directive = ' # TODO %s' % todo[0] if todo else ''
        try:
            result = function()
        except Exception as error:
            failed += 0 if todo else 1
            print('not ok %d - %s%s' % (number, description, directive))
            print('# %s: %s' % (type(error).__name__, error))
            trace = error.__traceback__
            while trace is not None:
                code = trace.tb_frame.f_code
                print('#   %s:%d in %s' % (os.path.basename(code.co_filename),
                                          trace.tb_lineno, code.co_name))
                trace = trace.tb_next
        else:
            if isinstance(result, tuple) and result and result[0] == 'skip':
                directive = ' # SKIP %s' % result[1]
            print('ok %d - %s%s' % (number, description, directive))
        print(end='', flush=True)
    return failed
