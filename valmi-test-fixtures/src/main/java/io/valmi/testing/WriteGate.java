package io.valmi.testing;

import java.time.Duration;

/**
 * The blocked writes of a {@link RecordingDestination}: which calls wait, and until when. A call waits until the test
 * releases it; a waiting call is interrupted like any other, or, when it was blocked as stubborn, swallows the
 * interrupt and waits on, as a write stuck in blocking I/O without a timeout does. Its own monitor, so that a waiting
 * write never holds the destination's lock.
 */
final class WriteGate {

    /** How a blocked call treats an interrupt. */
    private enum Waiting { INTERRUPTIBLE, STUBBORN }

    private int toBlock;
    private Waiting waiting = Waiting.INTERRUPTIBLE;
    /** Counts {@link #release()}: a call waits until it changes. */
    private long releases;
    private int blocked;
    private int ignoredInterrupts;

    /** The next {@code writes} calls wait until released or interrupted. */
    synchronized void blockNext(int writes) {
        toBlock = writes;
        waiting = Waiting.INTERRUPTIBLE;
    }

    /** The next {@code writes} calls wait until released, whatever interrupts them. */
    synchronized void blockNextIgnoringInterrupts(int writes) {
        toBlock = writes;
        waiting = Waiting.STUBBORN;
    }

    /** Lets every waiting call go on; calls that have not come yet no longer wait. */
    synchronized void release() {
        releases++;
        toBlock = 0;
        notifyAll();
    }

    /**
     * Lets a call through, waiting first when it is one of those to block.
     *
     * @throws InterruptedException when an interruptible call is interrupted while it waits
     */
    synchronized void pass() throws InterruptedException {
        if (toBlock == 0) {
            return;
        }
        toBlock--;
        Waiting how = waiting;
        long generation = releases;
        blocked++;
        notifyAll();
        try {
            while (releases == generation) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    if (how == Waiting.INTERRUPTIBLE) {
                        throw e;
                    }
                    ignoredInterrupts++; // stubborn: as a socket read without a timeout, it waits on
                    notifyAll();
                }
            }
        } finally {
            blocked--;
            notifyAll();
        }
    }

    /** How many calls wait now. */
    synchronized int blocked() {
        return blocked;
    }

    /** How many interrupts stubborn calls swallowed. */
    synchronized int ignoredInterrupts() {
        return ignoredInterrupts;
    }

    /** Waits until at least {@code count} calls wait; {@code false} when {@code timeout} passed first. */
    synchronized boolean awaitBlocked(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (blocked < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
