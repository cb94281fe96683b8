package dev.memwall.estimator.fit;

import dev.memwall.estimator.units.Saturating;
import java.util.List;

/**
 * Memory a model needs for a workload, item by item, per device.
 *
 * @param items          every item, in order
 * @param devices        devices the model is split over (tensor parallel), 1 for one device
 * @param ruleOfThumb    the quick rule (parameters x bytes x 1.2 for inference, x 2 for training), for comparison
 */
public record MemoryEstimate(List<MemoryItem> items, int devices, long ruleOfThumb) {

    public MemoryEstimate {
        items = List.copyOf(items);
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be >= 1, was " + devices);
        }
    }

    /** Bytes per device: the sum of the items on the device. */
    public long totalBytes() {
        return sum(false);
    }

    /** Bytes the runtime keeps in host memory even when every layer is on the device. */
    public long hostBytes() {
        return sum(true);
    }

    private long sum(boolean host) {
        long total = 0;
        for (MemoryItem i : items) {
            if (i.host() == host) {
                total = Saturating.add(total, i.bytes());
            }
        }
        return total;
    }

    /** Whether an item or a sum saturated: the estimate is past what a long counts, no figure to show. */
    public boolean beyondRepresentable() {
        return Saturating.isBeyond(totalBytes()) || Saturating.isBeyond(hostBytes())
                || items.stream().anyMatch(i -> Saturating.isBeyond(i.bytes()));
    }

    /** One item's bytes, 0 when absent. */
    public long bytes(String name) {
        return items.stream().filter(i -> i.name().equals(name)).mapToLong(MemoryItem::bytes).sum();
    }
}
