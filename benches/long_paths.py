"""Writes the long-path input of the Markov benchmark: USERS users with
TOUCHES touches each over CHANNELS channels (display and retargeting
impressions), spread over 28 days, and one order at the end for half of the
users (the other half are non-converting paths).

usage: python3 benches/long_paths.py OUT_DIR [USERS TOUCHES CHANNELS]
defaults: 2000 users x 2000 touches over 200 channels (4 M touches), seed 42.
"""

import os
import random
import sys
from datetime import datetime, timedelta, timezone


def main():
    out = sys.argv[1]
    users, touches, channels = (int(a) for a in (sys.argv[2:5] or (2000, 2000, 200)))
    rng = random.Random(42)
    start = datetime(2026, 3, 2, tzinfo=timezone.utc)
    span = 28 * 86400
    os.makedirs(out, exist_ok=True)
    names = [f"ch{c:03d}" for c in range(channels)]
    with open(os.path.join(out, "exposures.csv"), "w") as ex, open(
        os.path.join(out, "revenue.csv"), "w"
    ) as rv:
        ex.write("user_id,channel,timestamp\n")
        rv.write("order_id,user_id,timestamp,revenue\n")
        for u in range(users):
            secs = sorted(rng.randrange(span) for _ in range(touches))
            for s in secs:
                t = (start + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")
                ex.write(f"u{u},{names[rng.randrange(channels)]},{t}\n")
            if u % 2 == 0:
                t = (start + timedelta(seconds=span + 3600)).strftime("%Y-%m-%dT%H:%M:%SZ")
                rv.write(f"o{u},u{u},{t},{rng.randrange(1000, 20000) / 100:.2f}\n")


if __name__ == "__main__":
    main()
