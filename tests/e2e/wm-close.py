#!/usr/bin/env python3
"""Presses the window manager's close button of every "Seedance Studio" window on $DISPLAY:
sends the ICCCM WM_DELETE_WINDOW client message, as a window manager does when the title
bar's close button is clicked. Xvfb runs no window manager and the e2e machine has no
xdotool; this needs only libX11 (through ctypes) and xwininfo (x11-utils)."""
import ctypes
import re
import subprocess
import sys

x = ctypes.cdll.LoadLibrary('libX11.so.6')
x.XOpenDisplay.restype = ctypes.c_void_p
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
class Data(ctypes.Union):
    _fields_ = [('l', ctypes.c_long * 5)]
class ClientMessage(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('serial', ctypes.c_ulong), ('send_event', ctypes.c_int),
                ('display', ctypes.c_void_p), ('window', ctypes.c_ulong), ('message_type', ctypes.c_ulong),
                ('format', ctypes.c_int), ('data', Data)]
class XEvent(ctypes.Union):
    _fields_ = [('xclient', ClientMessage), ('pad', ctypes.c_long * 24)]
tree = subprocess.run(['xwininfo', '-root', '-tree', '-int'], capture_output=True, text=True).stdout
ids = [int(m.group(1)) for m in re.finditer(r'^\s+(\d+) "Seedance Studio"', tree, re.M)]
d = x.XOpenDisplay(None)
proto = x.XInternAtom(d, b'WM_PROTOCOLS', 0)
delete = x.XInternAtom(d, b'WM_DELETE_WINDOW', 0)
for w in ids:
    ev = XEvent()
    ev.xclient.type = 33  # ClientMessage
    ev.xclient.window = w
    ev.xclient.message_type = proto
    ev.xclient.format = 32
    ev.xclient.data.l[0] = delete
    ev.xclient.data.l[1] = 0
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
    x.XSendEvent(d, w, 0, 0, ctypes.byref(ev))
x.XFlush(ctypes.c_void_p(d))
if not ids:
    sys.exit('no "Seedance Studio" window on this display')
print(len(ids))
