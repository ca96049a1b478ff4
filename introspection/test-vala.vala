/* test-vala.vala
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A smoke test of mreventloop-1.0.vapi: it compiles, and the calls that Vala
 * reaches through it behave. Named slots and closures are exercised from C
 * and Python; building a GClosure by hand in Vala is not worth it.
 */

public class Producer : GLib.Object {
    public signal void produced (string product);
}

static void test_invoke_fifo () {
    var loop = new Mre.EventLoop ();
    string[] calls = {};

    for (int i = 0; i < 4; i++) {
        int n = i;
        loop.invoke (() => {
            calls += n.to_string ();
            return true;
        });
    }
    loop.invoke (() => {
        loop.stop ();
        return true;
    });
    try {
        loop.run ();
    } catch (GLib.Error e) {
        error ("run failed: %s", e.message);
    }
    assert (string.joinv (",", calls) == "0,1,2,3");
}

static void test_invoke_throws () {
    var loop = new Mre.EventLoop ();
    bool ran_after = false;

    loop.invoke (() => {
        throw new GLib.IOError.PERMISSION_DENIED ("from Vala");
    });
    loop.invoke (() => {
        ran_after = true;
        return true;
    });
    try {
        loop.run ();
        assert_not_reached ();
    } catch (GLib.IOError.PERMISSION_DENIED e) {
        assert (e.message == "from Vala");
    } catch (GLib.Error e) {
        error ("unexpected error: %s", e.message);
    }
    assert (!ran_after);
}

static void test_wait_for () {
    var producer = new Producer ();

    try {
        Mre.wait_for (producer, "produced", 10, null);
        assert_not_reached ();
    } catch (GLib.IOError.TIMED_OUT e) {
    } catch (GLib.Error e) {
        error ("unexpected error: %s", e.message);
    }

    /* An emission on another thread, queued on a loop of its own. */
    var loop = new Mre.EventLoop ();
    try {
        loop.start ();
        var product = GLib.Value (typeof (string));
        product.set_string ("from the loop");
        Mre.emit_afterv (loop, 20, producer, "produced", { product });
        var emission = Mre.wait_for (producer, "produced", 10000);
        assert (emission.get_n_args () == 1);
        assert (emission.get_arg (0).get_string () == "from the loop");
        assert (emission.get_instance () == producer);
        loop.stop ();
        loop.join ();
    } catch (GLib.Error e) {
        error ("%s", e.message);
    }
}

static void test_connect_errors () {
    var producer = new Producer ();
    var consumer = new GLib.Object ();

    try {
        Mre.connect (producer, "produced", consumer, "on-produced", Mre.ConnectFlags.DEFAULT);
        assert_not_reached ();
    } catch (Mre.Error.NO_SUCH_SLOT e) {
    } catch (GLib.Error e) {
        error ("unexpected error: %s", e.message);
    }
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/invoke/fifo", test_invoke_fifo);
    Test.add_func ("/vala/invoke/throws", test_invoke_throws);
    Test.add_func ("/vala/wait-for", test_wait_for);
    Test.add_func ("/vala/connect/errors", test_connect_errors);
    return Test.run ();
}
