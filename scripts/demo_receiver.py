#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The receiver of scripts/demo.

netgearsrc binds one port per sender; compositor tiles the senders' pads into
a montage (2x2 for four ports), which goes to a Motion-JPEG AVI file, or to
the screen with --display. Each tile shows its port and the message its
sender sends with its frames (netgearoverlay, from each buffer's
GstNetGearMeta). Once every expected sender has connected, and one
second of montage later, one frame is saved as a PNG (at the end of the
stream if some sender never came).

Prints, one a line:
  READY                          the pipeline is PLAYING (ports are bound)
  CONNECTED port=N peer=A        a netgear-server-connected bus message
  META <structure>               the GstNetGearMeta of a port's first buffer
  MESSAGE port=N <json>          a sender's message, when it changes
  TERMINATED port=N              a netgear-server-terminated bus message
  SNAPSHOT path                  the PNG is written
  FRAMES port=N count=C          at the end, buffers received per port
Exits 0 at the end of the stream, 1 on an error. SIGINT or SIGTERM ends the
stream early (the file is still finalised).

Run with Debian's /usr/bin/python3 (python3-gi, python3-gst-1.0) and
GST_PLUGIN_PATH pointing at the plugin.
"""
import argparse
import signal
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstVideo  # noqa: E402


_say_lock = threading.Lock()


def say(*words):
    # Called from the main loop and from streaming threads: whole lines.
    with _say_lock:
        sys.stdout.write(" ".join(map(str, words)) + "\n")
        sys.stdout.flush()


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument("--ports", default="5566,5567,5568,5569", help="comma-separated, one per sender")
    ap.add_argument("--pattern", type=int, default=1, help="NetGear pattern: 1 REQ/REP, 2 PUB/SUB")
    ap.add_argument("--tile", default="640x360", help="size of each sender's tile, WxH")
    ap.add_argument("--output", default="demo-out/montage.avi", help="montage file (.avi or .mkv)")
    ap.add_argument("--snapshot", default="demo-out/montage.png", help="PNG snapshot file")
    ap.add_argument("--display", action="store_true", help="show the montage instead of writing it")
    return ap.parse_args()


def build(args, ports):
    tw, th = (int(v) for v in args.tile.lower().split("x"))
    cols = 1
    while cols * cols < len(ports):
        cols += 1
    rows = (len(ports) + cols - 1) // cols
    # Fixed output caps: the montage has its final size from the first frame,
    # even before any sender has connected (muxers refuse a size change).
    caps = f"video/x-raw,width={cols * tw},height={rows * th},pixel-aspect-ratio=1/1,framerate=30/1"
    mix = ["compositor name=mix background=black"]
    branches = []
    for i, port in enumerate(ports):
        mix.append(f"sink_{i}::xpos={i % cols * tw} sink_{i}::ypos={i // cols * th} "
                   f"sink_{i}::width={tw} sink_{i}::height={th}")
        # netgearoverlay: the port and the sender's message on its tile.
        branches.append(f"src.src_{port} ! queue ! videoconvert ! netgearoverlay ! mix.sink_{i}")
    if args.display:
        out = "autovideosink"
    elif args.output.endswith(".mkv"):
        out = f"jpegenc ! matroskamux ! filesink location=\"{args.output}\""
    else:
        out = f"jpegenc ! avimux ! filesink location=\"{args.output}\""
    desc = (f"netgearsrc name=src address={args.address} ports={','.join(map(str, ports))} "
            f"pattern={args.pattern} "
            + " ".join(mix) + f" ! {caps} ! videoconvert ! tee name=t "
            f"t. ! queue ! {out} "
            # The latest montage frame, kept for the snapshot.
            "t. ! queue leaky=downstream max-size-buffers=1 ! fakesink name=last sync=false async=false "
            + " ".join(branches))
    return Gst.parse_launch(desc)


def main():
    args = parse_args()
    ports = [int(p) for p in args.ports.split(",") if p.strip()]
    Gst.init(None)
    if not Gst.ElementFactory.find("netgearsrc"):
        say("ERROR netgearsrc not found: set GST_PLUGIN_PATH to the build's gst/ directory")
        return 1
    pipeline = build(args, ports)
    src = pipeline.get_by_name("src")
    last = pipeline.get_by_name("last")
    loop = GLib.MainLoop()
    state = {"rc": 0, "connected": set(), "snapped": False, "ending": False}
    frames = {p: 0 for p in ports}
    shown = {p: None for p in ports}

    def on_buffer(pad, info, port):
        # GstNetGearMeta is a GstCustomMeta: no binding of our own needed.
        frames[port] += 1
        meta = info.get_buffer().get_custom_meta("GstNetGearMeta")
        if frames[port] == 1:
            say("META", meta.get_structure().to_string() if meta else "(none)")
        message = meta.get_structure().get_value("message") if meta else "null"
        if message != shown[port]:
            shown[port] = message
            say(f"MESSAGE port={port} {message}")
        return Gst.PadProbeReturn.OK

    def on_pad_added(_element, pad):
        port = int(pad.get_name().split("_", 1)[1])
        pad.add_probe(Gst.PadProbeType.BUFFER, on_buffer, port)

    # Pads appear when netgearsrc binds its ports (NULL to READY).
    src.connect("pad-added", on_pad_added)
    for pad in src.srcpads:
        on_pad_added(src, pad)

    def snapshot():
        if state["snapped"]:
            return False
        sample = last.get_property("last-sample")
        if sample is None:
            return False
        png = GstVideo.video_convert_sample(sample, Gst.Caps.from_string("image/png"), 5 * Gst.SECOND)
        buf = png.get_buffer()
        with open(args.snapshot, "wb") as f:
            f.write(buf.extract_dup(0, buf.get_size()))
        state["snapped"] = True
        say("SNAPSHOT", args.snapshot)
        return False

    def end_early():
        # An EOS sent to the pipeline ends every netgearsrc pad after what
        # it has queued, so the file gets finalised.
        if not state["ending"]:
            state["ending"] = True
            say("STOPPING (end of stream forced)")
            pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_CONTINUE

    def on_message(_bus, msg):
        t = msg.type
        if t == Gst.MessageType.STATE_CHANGED and msg.src == pipeline:
            _old, new, _pending = msg.parse_state_changed()
            if new == Gst.State.PLAYING:
                say("READY")
        elif t == Gst.MessageType.ELEMENT and msg.src == src:
            s = msg.get_structure()
            name = s.get_name()
            if name == "netgear-server-connected":
                port = s.get_value("port")
                say(f"CONNECTED port={port} peer={s.get_string('peer') or '?'}")
                state["connected"].add(port)
                if state["connected"] >= set(ports):
                    GLib.timeout_add(1000, snapshot)
            elif name == "netgear-server-terminated":
                say(f"TERMINATED port={s.get_value('port')}")
        elif t == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            say(f"WARNING from {msg.src.get_name()}: {err.message} ({dbg})")
        elif t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            say(f"ERROR from {msg.src.get_name()}: {err.message} ({dbg})")
            state["rc"] = 1
            loop.quit()
        elif t == Gst.MessageType.EOS:
            snapshot()
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, end_early)

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        # The error message on the bus says why (e.g. a port already in use).
        msg = bus.timed_pop_filtered(0, Gst.MessageType.ERROR)
        if msg:
            err, dbg = msg.parse_error()
            say(f"ERROR {err.message} ({dbg})")
        else:
            say("ERROR the pipeline does not start")
        pipeline.set_state(Gst.State.NULL)
        return 1
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    for port in ports:
        say(f"FRAMES port={port} count={frames[port]}")
    return state["rc"]


if __name__ == "__main__":
    sys.exit(main())
