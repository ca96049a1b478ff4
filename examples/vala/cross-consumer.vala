/* cross-consumer.vala
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The consumer half of MrEventLoop's README "Crossing Sockets", in Vala:
 * the same program as examples/cross-consumer.c, so that cross-demo.sh
 * runs it against the C producer through a broker, three processes:
 *
 *   consumer_peer = Peer(..., [ 'produced' ], [ 'request_product' ])
 *   connect(consumer, 'request_product', consumer_peer.publish, 'request_product')
 *   connect(consumer_peer, 'produced', consumer, 'onProduced')
 *   consumer.events.request_product()
 *
 * The consumer's signal "request-product" is forwarded by its peer to the
 * broker as the event "request_product"; the producer answers with the
 * event "produced", which the peer emits as "event::produced", queued as a
 * call of the consumer's slot "on-produced" with the product.
 *
 * Usage: cross-consumer-vala [--socket PATH] [--timeout S]
 *
 * Exits 0 once it consumed "some product", non-zero otherwise.
 */

/* See producer-consumer.vala: the body of a named slot is a GClosure. */
[CCode (cname = "g_cclosure_new")]
extern unowned Closure cclosure_new (Callback callback_func,
                                     void* user_data = null,
                                     ClosureNotify? destroy_data = null);

public class Consumer : Object {
    public string? product = null;   /* what on-produced received */

    /* @emits('events', ['request_product']) */
    public signal void request_product ();

    /* @slot def onProduced(self, product): print(f'{product}')
     *
     * Runs on the consumer's loop. Connected to the peer's
     * "event::produced", the slot gets the event's arguments decoded to its
     * own parameter types, as if the producer's signal had been connected
     * in this process. */
    private static void on_produced (Consumer self, string product) {
        self.product = product;
        stdout.printf ("consumer: consumed \"%s\"\n", product);
        stdout.flush ();
        Mre.object_get_event_loop (self).stop ();
    }

    static construct {
        Mre.slot_install_closure (typeof (Consumer), "on-produced",
                                  cclosure_new ((Callback) on_produced),
                                  Mre.SlotFlags.DEFAULT, { typeof (string) });
    }
}

static string? socket_path = null;
static int timeout = 30;

const OptionEntry[] options = {
    { "socket", 's', OptionFlags.NONE, OptionArg.FILENAME, ref socket_path,
      "The broker's socket (default: the default bus)", "PATH" },
    { "timeout", 't', OptionFlags.NONE, OptionArg.INT, ref timeout,
      "Fail when no product came within S seconds (0: wait forever)", "S" },
    { null }
};

int main (string[] args) {
    try {
        var context = new OptionContext ("- the consumer of MrEventLoop's “Crossing Sockets”, in Vala");
        context.add_main_entries (options, null);
        context.parse (ref args);

        var consumer = new Consumer ();

        /* The consumer's slots run on this thread's default context, which
         * the peer's socket uses too; loop.run() below iterates it. */
        var loop = new Mre.EventLoop.for_context (null);
        Mre.object_set_event_loop (consumer, loop);

        /* consumer_peer = Peer(in_socket_path, out_socket_path,
         *                      [ 'produced' ], [ 'request_product' ]) */
        var consumer_peer = socket_path != null
            ? new Mre.Peer (socket_path, "consumer")
            : new Mre.Peer.@default ("consumer");
        consumer_peer.start ();

        /* connect(consumer, 'request_product', consumer_peer.publish, 'request_product') */
        consumer_peer.forward (consumer, "request-product", "request_product",
                               Mre.Delivery.YELL, 0);

        /* connect(consumer_peer, 'produced', consumer, 'onProduced') */
        Mre.connect (consumer_peer, "event::produced", consumer, "on-produced",
                     Mre.ConnectFlags.DEFAULT);

        /* Subscribed before asking, so the answer cannot be missed. */
        consumer_peer.subscribe ("produced", null);

        /* consumer.events.request_product() */
        stdout.printf ("consumer: requesting a product\n");
        stdout.flush ();
        consumer.request_product ();

        bool gave_up = false;
        if (timeout > 0) {
            Timeout.add_seconds ((uint) timeout, () => {
                gave_up = true;
                loop.stop ();
                return Source.REMOVE;
            });
        }

        loop.run ();
        consumer_peer.close ();

        if (gave_up) {
            printerr ("cross-consumer-vala: no product came within %d seconds\n", timeout);
            return 1;
        }
        if (consumer.product != "some product") {
            printerr ("cross-consumer-vala: consumed \"%s\", expected \"some product\"\n",
                      consumer.product);
            return 1;
        }
        return 0;
    } catch (Error e) {
        printerr ("cross-consumer-vala: %s\n", e.message);
        return 1;
    }
}
