package io.nnviz.backend.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** nnviz computes where the block's parameters are, else on a GPU the engine reports, else on the CPU; the summary says which. */
@Tag("natives")
class DeviceTest {
    @Test
    void theDeviceFollowsTheParametersAndFallsBackToTheCpu() {
        Device expected = Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        assertEquals(expected, DjlModel.device(Activation.reluBlock()), "no parameters: a GPU if the engine has one, else CPU");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Linear fc = Linear.builder().setUnits(3).build();
            fc.initialize(m, DataType.FLOAT32, new Shape(2, 4));
            assertEquals(Device.cpu(), DjlModel.device(fc), "the parameters' device");
            try (ModelView view = NNViz.inspect(fc)) {
                assertEquals(Device.cpu().toString(), view.properties().get("device"), "the summary says which device ran");
            }
        }
    }
}
