"""Story 2, the Keras side: the port of cnn_two_class_init.m as its author wrote it.

The same conv/pool stack (pooling strides written out: Keras' default stride is the pool size,
MatConvNet's is 1), Keras' default initialisers, a 1x1 Conv2D(256) + ReLU that reads all 512
channels (MatConvNet's ip1 reads them in two groups of 256), Flatten + Dense(2, softmax) for the
classifier, categorical cross-entropy, and RMSprop with the author's `lr=0.0001, decay=0.0005`
(Keras 3 rejects `lr=`, so it is written `learning_rate=`; it accepts `decay=`, warns, and ignores
it — in old Keras it was a learning-rate decay, never a weight decay).

Run it against the MatConvNet side on two MNIST digits:

    parity check configs/story2/cnn_two_class_init.m configs/story2/keras_port.py \
        --data configs/story2/mnist_two_classes.npz --samples 64

`mnist_two_classes.npz` holds the 556 images of digits 3 and 8 from the bundled MNIST subset
(data/mnist_train_3000.npz), labels 0 for "3" and 1 for "8".
"""

import keras


def build():
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(64, (3, 3)),
        keras.layers.MaxPooling2D((3, 3), strides=(1, 1)),
        keras.layers.Conv2D(128, (5, 5)),
        keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
        keras.layers.Conv2D(256, (3, 3)),
        keras.layers.MaxPooling2D((3, 3), strides=(1, 1)),
        keras.layers.Conv2D(512, (5, 5)),
        keras.layers.MaxPooling2D((2, 2), strides=(1, 1)),
        keras.layers.Conv2D(256, (1, 1), activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.0001, decay=0.0005),
                  loss="categorical_crossentropy")
    return model
