/* producer-consumer.vala
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The Producer/Consumer of MrEventLoop's README, in Vala, compiled against
 * mreventloop-1.0.vapi (examples/producer-consumer.c is the same in C):
 *
 *  1. a Producer declares a typed "produced" signal, the Vala way;
 *  2. a Consumer declares a named slot "on-produced" in its class
 *     constructor, so that it can be connected by name;
 *  3. Mre.connect() queues every emission as a slot call on the
 *     consumer's own event loop, which runs on a thread of its own;
 *  4. two consumers share one loop, so all their slot calls run one after
 *     the other, here on the main thread with Mre.EventLoop.run().
 *
 * The program checks what the consumers saw and exits non-zero if it is
 * not what it expects, so that `meson test` keeps it honest.
 */

/* A named slot's body is a GClosure (Mre.slot_install_closure), and
 * gobject-2.0.vapi does not bind g_cclosure_new(): a closure that calls a
 * C function of the signal handler's form, the target first, then the
 * arguments. The closure it returns is floating: the slot takes it over,
 * so it is unowned here. */
[CCode (cname = "g_cclosure_new")]
extern unowned Closure cclosure_new (Callback callback_func,
                             void* user_data = null,
                             ClosureNotify? destroy_data = null);

/* @emits('events', ['produced']) */
public class Producer : Object {
    public string name { get; construct; }
    private uint n_produced = 0;

    public signal void produced (string product);

    public Producer (string name) {
        Object (name: name);
    }

    public void request_product () {
        produced ("%s product %u".printf (name, ++n_produced));
    }
}

public class Consumer : Object {
    public string name { get; construct; }
    /* Touched on the loop's thread only. */
    public GenericArray<string> seen = new GenericArray<string> ();

    public Consumer (string name) {
        Object (name: name);
    }

    /* @slot def onProduced(self, product): queued on the consumer's loop,
     * never run in the emitter's stack, and never concurrently with another
     * slot of the same loop. A plain slot cannot fail; Mre.SlotFlags.ASYNC
     * slots report errors on their task. */
    private static void on_produced (Consumer self, string product) {
        if (!Mre.object_get_event_loop (self).is_loop_thread ()) {
            printerr ("%s: slot ran outside its loop's thread\n", self.name);
            return;
        }
        print ("%s consumed \"%s\"\n", self.name, product);
        self.seen.add (product);
    }

    static construct {
        Mre.slot_install_closure (typeof (Consumer), "on-produced",
                                  cclosure_new ((Callback) on_produced),
                                  Mre.SlotFlags.DEFAULT, { typeof (string) });
    }
}

static bool check_seen (Consumer consumer, string[] expected) {
    if (consumer.seen.length != expected.length) {
        printerr ("%s saw %u products, expected %d\n",
                  consumer.name, consumer.seen.length, expected.length);
        return false;
    }
    for (int i = 0; i < expected.length; i++) {
        if (consumer.seen[i] != expected[i]) {
            printerr ("%s saw \"%s\" at %d, expected \"%s\"\n",
                      consumer.name, consumer.seen[i], i, expected[i]);
            return false;
        }
    }
    return true;
}

/* One producer, one consumer on a loop with a thread of its own. */
static bool run_own_thread () throws Error {
    var producer = new Producer ("p");
    var consumer = new Consumer ("consumer");

    print ("== one consumer, its own loop on its own thread ==\n");

    /* Created on first use, not started. */
    var loop = Mre.object_get_event_loop (consumer);

    /* connect(producer, 'produced', consumer, 'onProduced') */
    Mre.connect (producer, "produced", consumer, "on-produced", Mre.ConnectFlags.DEFAULT);

    /* async with consumer.event_loop: producer.requestProduct() */
    loop.start ();
    for (int i = 0; i < 3; i++)
        producer.request_product ();

    /* Every call queued before stop() still runs, then the thread exits. */
    loop.stop ();
    loop.join ();

    return check_seen (consumer, { "p product 1", "p product 2", "p product 3" });
}

/* Two producers, two consumers sharing one loop, run on this thread. */
static bool run_shared_loop () throws Error {
    var producer1 = new Producer ("p1");
    var producer2 = new Producer ("p2");
    var consumer1 = new Consumer ("consumer1");
    var consumer2 = new Consumer ("consumer2");

    print ("== two consumers sharing one loop ==\n");

    /* consumer2.event_loop = consumer1.event_loop */
    var loop = Mre.object_get_event_loop (consumer1);
    Mre.object_set_event_loop (consumer2, loop);

    Mre.connect (producer1, "produced", consumer1, "on-produced", Mre.ConnectFlags.DEFAULT);
    Mre.connect (producer2, "produced", consumer2, "on-produced", Mre.ConnectFlags.DEFAULT);

    /* Emissions before the loop runs are queued, in order. */
    producer1.request_product ();
    producer2.request_product ();
    producer1.request_product ();
    producer2.request_product ();

    /* Queue a stop behind them, then run the loop on the main thread: it
     * runs the four slot calls one at a time, stops and returns. */
    loop.stop ();
    loop.run ();

    return check_seen (consumer1, { "p1 product 1", "p1 product 2" })
        && check_seen (consumer2, { "p2 product 1", "p2 product 2" });
}

int main (string[] args) {
    try {
        return run_own_thread () && run_shared_loop () ? 0 : 1;
    } catch (Error e) {
        printerr ("producer-consumer: %s\n", e.message);
        return 1;
    }
}
